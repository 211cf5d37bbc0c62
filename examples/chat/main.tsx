import { mountExample } from '../shared/Page'
import { ChatApp } from './App'
import { currentRoom, makeChatStore } from './store'

const room = currentRoom()
mountExample(makeChatStore(room), `Chat · #${room}`, <ChatApp room={room} />)
