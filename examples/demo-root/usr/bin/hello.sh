#!/bin/sh
echo "hello from the vroot demo image"
