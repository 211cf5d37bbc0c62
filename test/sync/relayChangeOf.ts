import type { RelayChange } from '../../src/protocol'

/** A relay change of room `r` at `seq` under `id`, timestamped by its seq so order follows it. */
export const relay = (seq: number, id: string, ops: RelayChange['ops']): RelayChange => ({
  room: 'r',
  seq,
  id,
  origin: id.split(':')[0]!,
  ts: `${String(seq).padStart(15, '0')}-000000-x`,
  ops,
})
