import { usePendingChanges, useSyncStatus } from 'patchwire/react'
import { useEffect, useRef, useState } from 'react'
import { useDispatch, useSelector } from 'react-redux'
import { tabName } from '../shared/relaySocket'
import {
  type ChatRootState,
  messageSent,
  PRESENCE_EVERY_MS,
  PRESENCE_TTL_MS,
  presenceSeen,
  ROOMS,
} from './store'

const bubble: React.CSSProperties = {
  background: '#f2f4f8',
  borderRadius: 8,
  padding: '4px 10px',
  margin: '6px 0',
}

export function ChatApp({ room }: { room: string }) {
  const dispatch = useDispatch()
  const messages = useSelector((s: ChatRootState) => s.chat.messages)
  const status = useSyncStatus(`chat:${room}`)
  const { count } = usePendingChanges()
  const [author, setAuthor] = useState(tabName)
  const [text, setText] = useState('')
  const presence = useSelector((s: ChatRootState) => s.chat.presence)
  const [now, setNow] = useState(Date.now)
  const [tab] = useState(tabName)
  // The interval reads the latest name here instead of restarting on every keystroke.
  const name = useRef(author)
  name.current = author
  useEffect(() => {
    const stamp = () => {
      dispatch(presenceSeen(tab, name.current.trim() || tab))
      setNow(Date.now())
    }
    stamp()
    const timer = setInterval(stamp, PRESENCE_EVERY_MS)
    return () => clearInterval(timer)
  }, [dispatch, tab])
  const here = Object.values(presence)
    .filter((p) => now - p.seen < PRESENCE_TTL_MS)
    .map((p) => p.name)
    .sort()
  return (
    <>
      <nav style={{ display: 'flex', gap: 12, marginBottom: 12 }}>
        {ROOMS.map((r) => (
          <a key={r} href={`?room=${r}`} style={{ fontWeight: r === room ? 700 : 400 }}>
            #{r}
          </a>
        ))}
        <span style={{ flex: 1 }} />
        <span data-testid="connection">{status?.connection ?? 'idle'}</span>
        {count > 0 ? <span>· {count} unsent</span> : null}
      </nav>
      <p style={{ color: '#555', margin: '0 0 8px' }}>
        here: <span data-testid="presence">{here.join(', ')}</span>
      </p>
      <section data-testid="messages" style={{ minHeight: 120 }}>
        {messages.length === 0 ? (
          <p style={{ color: '#777' }}>No messages in #{room} yet.</p>
        ) : null}
        {messages.map((m) => (
          <p key={m.id} style={bubble} data-testid="message">
            <strong>{m.author}</strong>: {m.text}
          </p>
        ))}
      </section>
      <form
        style={{ display: 'flex', gap: 8, marginTop: 12 }}
        onSubmit={(event) => {
          event.preventDefault()
          if (!text.trim()) return
          dispatch(messageSent(author, text.trim()))
          setText('')
        }}
      >
        <input
          aria-label="name"
          value={author}
          onChange={(e) => setAuthor(e.target.value)}
          style={{ width: 110 }}
        />
        <input
          aria-label="message"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={`Message #${room} (the relay refuses "spam")`}
          style={{ flex: 1 }}
        />
        <button type="submit">Send</button>
      </form>
    </>
  )
}
