import { usePendingChanges, useSyncStatus } from 'patchwire/react'
import { useState } from 'react'
import { useDispatch, useSelector } from 'react-redux'
import { tabName } from '../shared/relaySocket'
import { type ChatRootState, messageSent, ROOMS } from './store'

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
