/** Where a simulated host listens (shared by the fleet and its server processes). */

/** Hosts per /24: .1 to .250. */
export const PER_NET = 250;

/** Host i's address: 127.OCTET.(i / 250).(1 + i % 250); 10,000 hosts fill 40 /24s. */
export function simAddress(octet: number, i: number): string {
  return `127.${String(octet)}.${String(Math.floor(i / PER_NET))}.${String(1 + (i % PER_NET))}`;
}

