import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A listening TCP socket as /proc/net/tcp{,6} describes it. */
export interface ListeningSocket {
  address: string;
  port: number;
  inode: string;
}

/** `0100007F` → `127.0.0.1`; /proc prints each 32-bit word in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const bytes = hex.match(/.{8}/g)!.flatMap((word) =>
    word
      .match(/../g)!
      .reverse()
      .map((byte) => parseInt(byte, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** Every socket of this machine in the LISTEN state (st 0A), IPv4 and IPv6. */
export function listeningSockets(): ListeningSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A')
      .map((fields) => {
        const [address, port] = fields[1]!.split(':');
        return { address: decodeAddress(address!), port: parseInt(port!, 16), inode: fields[9]! };
      }),
  );
}

/** `pid` and all its descendants, from each process's parent in /proc/<pid>/stat. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** The socket inodes a process holds open. */
export function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // Closed while we looked.
    }
  }
  return inodes;
}

/** The listening sockets held by these processes. */
export function listeningSocketsOf(pids: number[]): ListeningSocket[] {
  const inodes = new Set(pids.flatMap((pid) => [...socketInodesOf(pid)]));
  return listeningSockets().filter((socket) => inodes.has(socket.inode));
}

/** The process holding a socket open (searching every process this user may inspect). */
export function ownerOf(inode: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (socketInodesOf(Number(entry)).has(inode)) return Number(entry);
    } catch {
      // Not ours to read, or gone.
    }
  }
  return undefined;
}
