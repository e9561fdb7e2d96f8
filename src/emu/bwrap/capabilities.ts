// This module is browser compatible.
/**
 * Capability names as libcap's cap_from_name reads them (libcap 2.x, built with its gperf name
 * table): a decimal, octal or hex number below 64, or a `cap_*` name matched without regard to
 * case over its leading run of letters and underscores. Trailing characters are not looked at,
 * so `cap_chown1` names CAP_CHOWN, as it does for bubblewrap's --cap-add and --cap-drop.
 */
import type { ByteString } from '../../vfs/bytes.js';
import { isCDigit, strtoul } from './_c_numbers.js';

/** Linux capability names by number (include/uapi/linux/capability.h, 0 to 40). */
export const CAPABILITY_NAMES: readonly string[] = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill',
  'cap_setgid', 'cap_setuid', 'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service',
  'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw', 'cap_ipc_lock', 'cap_ipc_owner', 'cap_sys_module',
  'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct', 'cap_sys_admin', 'cap_sys_boot',
  'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod', 'cap_lease',
  'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
];

/** Capability numbers libcap accepts (__CAP_MAXBITS). */
const CAP_MAXBITS = 64n;

const byName = new Map(CAPABILITY_NAMES.map((n, i) => [n, i]));

/** The capability number `name` denotes for cap_from_name, or -1. */
export function capabilityFromName(name: ByteString): number {
  if (name.length > 0 && isCDigit(name.charCodeAt(0))) {
    const n = strtoul(name, 0);
    return n.value >= CAP_MAXBITS ? -1 : Number(n.value);
  }
  let len = 0;
  while (len < name.length && /[A-Za-z_]/.test(name[len]!)) len++;
  return byName.get(name.slice(0, len).toLowerCase()) ?? -1;
}
