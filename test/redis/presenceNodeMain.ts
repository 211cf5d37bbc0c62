// A relay node on Redis with a short presence TTL, run as its own process so a
// test can SIGKILL it: `node --import tsx test/redis/presenceNodeMain.ts <redis url> <prefix> <ttl ms>`.
import { createRelay } from '../../server/createRelay'
import { redisAdapter } from '../../server/redisAdapter'
import { redisStore } from '../../server/store/redisStore'

const [url, prefix, ttl] = process.argv.slice(2)
const store = redisStore(url as string, { prefix: prefix as string })
const fanout = redisAdapter(store.client, { key: `${prefix}io` })
const relay = createRelay({ store, adapter: fanout.adapter, presenceTtlMs: Number(ttl) })
const port = await relay.listen(0, '127.0.0.1')
process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`)
