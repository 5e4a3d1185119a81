// What Linux tells about a sidecar process through /proc: its resident memory and the TCP sockets
// it listens on. Elsewhere both answer "unknown" and the checks that use them are skipped.
import fs from 'node:fs/promises';

/** Resident set size in bytes, or undefined when it cannot be read (process gone, no /proc). */
export async function rssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export interface ListeningSocket {
  /** `127.0.0.1`, `0.0.0.0`, `::1`, `::`… */
  address: string;
  port: number;
}

function ipv4(hex: string): string {
  // /proc prints the address as a little-endian 32-bit number.
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  const words: string[] = [];
  for (let group = 0; group < 4; group++) {
    const part = hex.slice(group * 8, group * 8 + 8);
    const bytes = [3, 2, 1, 0].map((i) => part.slice(i * 2, i * 2 + 2)).join('');
    words.push(String(parseInt(bytes.slice(0, 4), 16).toString(16)), String(parseInt(bytes.slice(4), 16).toString(16)));
  }
  const text = words.join(':');
  return text === '0:0:0:0:0:0:0:1' ? '::1' : text === '0:0:0:0:0:0:0:0' ? '::' : text;
}

/** The TCP sockets the process itself holds in LISTEN state; undefined without /proc. */
export async function listeningSockets(pid: number): Promise<ListeningSocket[] | undefined> {
  let fds: string[];
  try {
    fds = await fs.readdir(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) inodes.add(inode);
  }
  const sockets: ListeningSocket[] = [];
  for (const [file, decode] of [
    ['tcp', ipv4],
    ['tcp6', ipv6],
  ] as const) {
    const table = await fs.readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '');
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9]!)) continue;
      const [address, port] = fields[1]!.split(':');
      sockets.push({ address: decode(address!), port: parseInt(port!, 16) });
    }
  }
  return sockets;
}

export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '::1';
}
