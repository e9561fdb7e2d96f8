# root's profile in the demo image
