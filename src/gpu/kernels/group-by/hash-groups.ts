/**
 * Group ids on the device: selected rows (the mask), then one hash round per key column, each
 * inserting (id so far, key words, null flag) into an open-addressing table whose slot becomes
 * the row's new id. A round whose table fills is run again with a table four times larger, so
 * a small estimate costs time, never a wrong answer. The last round's slots are numbered in
 * order of their first row (as `partialGroupBy` numbers groups) and the rows' ids remapped to
 * those dense ids. The key words of every group are read back from the round tables by
 * following each slot's previous id, so the host table is not needed.
 */
import { is64Bit } from '../../../dtype.js';
import type { GpuTableColumn } from '../../upload-table.js';
import { SKIP, pass, type GroupPass } from './group-pass.js';

/** The key words of every group for one key column: (lo, hi) and whether the key is null. */
export interface KeyWords {
  column: GpuTableColumn;
  lo: Uint32Array;
  hi: Uint32Array;
  isNull: Uint8Array;
}

export type GroupAssignment = { groups: number; keys: KeyWords[]; rounds: number } | { unsupported: string };

interface RoundTable {
  words: Uint32Array;
  slotWords: number;
}

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, n)));
}

/** The words of slot s's key half j (16 bits). */
function half(t: RoundTable, s: number, j: number): number {
  return t.words[s * t.slotWords + j]! & 0xffff;
}

/**
 * Writes each selected row's group id (or SKIP) into the run's ids and returns the groups and
 * their key words. `capacity` is the estimate of distinct keys the first table is sized for.
 */
export async function assignGroups(
  run: GroupPass, keys: readonly GpuTableColumn[], mask: GpuTableColumn | null, capacity: number,
): Promise<GroupAssignment> {
  const selectAcc = run.scratch(16, 'group-by mask');
  await run.encode('mask', [], [pass('mask_main', selectAcc, { column: mask, op: mask === null ? 0 : 1 })]);
  if (keys.length === 0) return { groups: 1, keys: [], rounds: 0 };
  const limit = run.gpu.device.limits.maxStorageBufferBindingSize;
  const tables: RoundTable[] = [];
  let rounds = 0;
  for (const column of keys) {
    const keyWords = is64Bit(column.dtype) ? 2 : 1;
    const slotWords = 3 + 2 * keyWords;
    const most = 2 ** Math.floor(Math.log2(Math.max(2, (limit / 4 - 1) / slotWords)));
    let cap = Math.min(nextPow2(2 * Math.max(1, capacity)), most);
    for (;;) {
      rounds++;
      const words = cap * slotWords + 1;
      const table = run.scratch(words * 4, 'group-by table');
      await run.encode(`insert ${column.name}`, [table], [
        pass('insert_main', table, { column, round: true, capacity: cap, keyWords }),
      ]);
      const data = await run.read(table, words);
      run.drop(table);
      if (data[cap * slotWords] === 0) {
        tables.push({ words: data, slotWords });
        run.swap();
        break;
      }
      if (cap >= most) {
        return { unsupported: `group-by key '${column.name}': more distinct keys than a hash table of one storage binding holds` };
      }
      cap = Math.min(cap * 4, most);
    }
  }
  // Dense ids in order of first row, as the CPU twin numbers groups.
  const last = tables[tables.length - 1]!;
  const cap = (last.words.length - 1) / last.slotWords;
  const used: number[] = [];
  const first: number[] = [];
  for (let s = 0; s < cap; s++) {
    if (last.words[s * last.slotWords] !== 0) {
      used.push(s);
      first.push(~last.words[s * last.slotWords + last.slotWords - 1]! >>> 0);
    }
  }
  const order = used.map((_, i) => i).sort((a, b) => first[a]! - first[b]!);
  const slotToGid = new Uint32Array(cap).fill(SKIP);
  order.forEach((i, g) => (slotToGid[used[i]!] = g));
  const groups = order.length;
  const map = run.scratch(cap * 4, 'group-by slot ids');
  run.gpu.device.queue.writeBuffer(map.buffer, 0, slotToGid);
  await run.encode('remap', [], [pass('remap_main', selectAcc, { aux: map })]);
  run.drop(map);
  const out = keys.map((column) => ({
    column,
    lo: new Uint32Array(groups),
    hi: new Uint32Array(groups),
    isNull: new Uint8Array(groups),
  }));
  order.forEach((i, g) => {
    let s = used[i]!;
    for (let j = tables.length - 1; j >= 0; j--) {
      const t = tables[j]!;
      const k = out[j]!;
      k.isNull[g] = (t.words[s * t.slotWords]! >> 17) & 1;
      k.lo[g] = (half(t, s, 2) | (half(t, s, 3) << 16)) >>> 0;
      if (t.slotWords === 7) k.hi[g] = (half(t, s, 4) | (half(t, s, 5) << 16)) >>> 0;
      s = (half(t, s, 0) | (half(t, s, 1) << 16)) >>> 0;
    }
  });
  return { groups, keys: out, rounds };
}
