import { setPresence } from 'patchwire'
import { usePendingChanges, usePresence, useRoomSuspense, useSyncStatus } from 'patchwire/react'
import { Suspense, useEffect, useState } from 'react'
import { useDispatch, useSelector } from 'react-redux'
import { tabName } from '../shared/relaySocket'
import type { ChatPresence } from '../shared/schemas'
import { JoinErrorBoundary } from './JoinErrorBoundary'
import { type ChatRootState, messageSent, ROOMS, relayRoom } from './store'

const bubble: React.CSSProperties = {
  background: '#f2f4f8',
  borderRadius: 8,
  padding: '4px 10px',
  margin: '6px 0',
}

// Until the room has joined, the messages are only this tab's start state:
// Suspense shows "Joining…" instead of an empty room that then fills.
function Messages({ room }: { room: string }) {
  useRoomSuspense(relayRoom(room))
  const messages = useSelector((s: ChatRootState) => s.chat.messages)
  return (
    <>
      {messages.length === 0 ? <p style={{ color: '#777' }}>No messages in #{room} yet.</p> : null}
      {messages.map((m) => (
        <p key={m.id} style={bubble} data-testid="message">
          <strong>{m.author}</strong>: {m.text}
        </p>
      ))}
    </>
  )
}

export function ChatApp({ room }: { room: string }) {
  const dispatch = useDispatch()
  const status = useSyncStatus(relayRoom(room))
  const { count } = usePendingChanges()
  const [author, setAuthor] = useState(tabName)
  const [text, setText] = useState('')
  const name = author.trim() || tabName()
  const typing = text.trim().length > 0
  // Presence is ephemeral: the sync middleware sends it, keeps it alive and
  // re-sends it after a reconnect; the relay drops it when the tab goes.
  useEffect(() => {
    dispatch(setPresence({ name, typing } satisfies ChatPresence, { room: relayRoom(room) }))
  }, [dispatch, room, name, typing])
  const peers = Object.values(usePresence(relayRoom(room)))
  const here = peers.map((p) => (p.value as ChatPresence).name).sort()
  const typers = peers
    .filter((p) => !p.self && (p.value as ChatPresence).typing)
    .map((p) => (p.value as ChatPresence).name)
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
        {' · '}
        <span data-testid="typing">
          {typers.length === 0
            ? ''
            : `${typers.join(', ')} ${typers.length === 1 ? 'is' : 'are'} typing…`}
        </span>
      </p>
      <section data-testid="messages" style={{ minHeight: 120 }}>
        <JoinErrorBoundary>
          <Suspense
            fallback={
              <p data-testid="joining" style={{ color: '#777' }}>
                Joining #{room}…
              </p>
            }
          >
            <Messages room={room} />
          </Suspense>
        </JoinErrorBoundary>
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
