module github.com/kubemedic/kubemedic/bot

go 1.25.0

require (
	connectrpc.com/connect v1.20.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/slack-go/slack v0.17.3 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
