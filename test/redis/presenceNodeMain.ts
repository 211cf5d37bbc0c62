// A relay node on Redis with a short presence TTL, run as its own process so a
// test can SIGKILL it: `node --import tsx test/redis/presenceNodeMain.ts <redis url> <prefix> <ttl ms>`.
import { createRelay } from '../../server/createRelay'

const [url, prefix, ttl] = process.argv.slice(2)
const relay = createRelay({
  redis: { connection: url as string, prefix: prefix as string, fanout: { key: `${prefix}io` } },
  presenceTtlMs: Number(ttl),
})
const port = await relay.listen(0, '127.0.0.1')
process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`)
