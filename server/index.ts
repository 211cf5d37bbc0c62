// Node-only entry: the relay, its stores, and server helpers. Never imported by browser code.
export {}
