// Package natsrpc carries kubemedic's internal RPCs over NATS, typed once by
// the protobuf service descriptors of package kubemedic.v1.
//
// # Model
//
// Every RPC of the public API is identified by its Connect procedure name,
// e.g. kubemedicv1connect.KnowledgeServiceAskProcedure
// ("/kubemedic.v1.KnowledgeService/Ask"), and travels on the NATS subject
// derived from it (see Subject): "kubemedic.rpc.v1.KnowledgeService.Ask".
// Requests and replies are the public protobuf messages. Nobody types a
// service or method name by hand: the gateway derives everything from the
// descriptors, and a service registers handlers against the same descriptors.
//
// # Serving
//
// A process builds one Service per protobuf service it owns, adds one handler
// per method it implements, and serves them as one nats micro service
// (queue group, discovery with `nats micro ls`, stats):
//
//	knowledge := natsrpc.NewService(
//		kubemedicv1.File_kubemedic_v1_knowledge_proto.Services().ByName("KnowledgeService"),
//		natsrpc.ServiceOptions{})
//	natsrpc.HandleUnary(knowledge, kubemedicv1connect.KnowledgeServiceAskProcedure, kn.Ask)
//	// kn.Ask: func(context.Context, *kubemedicv1.AskRequest) (*kubemedicv1.AskResponse, error)
//
//	diagnosis := natsrpc.NewService(
//		kubemedicv1.File_kubemedic_v1_diagnosis_proto.Services().ByName("DiagnosisService"),
//		natsrpc.ServiceOptions{})
//	natsrpc.HandleServerStream(diagnosis, kubemedicv1connect.DiagnosisServiceDiagnoseProcedure, d.Diagnose)
//	// d.Diagnose: func(context.Context, *kubemedicv1.DiagnoseRequest,
//	//	send func(*kubemedicv1.DiagnoseResponse) error) error
//
//	srv, err := natsrpc.Serve(conn, natsrpc.ServerConfig{Name: "kubemedic-analyzer", Logger: log}, knowledge, diagnosis)
//	defer srv.Stop(ctx)
//
// Every method of a registered Service is subscribed: a method without a
// handler answers CodeUnimplemented ("아직 지원하지 않는 기능입니다 / not
// available in this version"), never "no responders", so clients do not retry
// it. When two processes share one protobuf service (the collector serves
// FleetService.ListClusters, the analyzer the rest of FleetService), the owner
// lists the other's methods in ServiceOptions.ServedElsewhere and the guest
// sets ServiceOptions.HandledOnly. Serve reports a handler whose procedure or
// message types do not match the descriptor.
//
// Handlers return *connect.Error to choose the code the caller sees
// (connect.NewError(connect.CodeNotFound, err)); any other error becomes
// CodeInternal with the details only in the service log. Panics are recovered
// as CodeInternal. A handler's context carries the caller's trace (W3C
// traceparent in NATS headers) and the caller's deadline (Kubemedic-Timeout
// header, capped by ServiceOptions.Timeout for unary calls) and the request's
// headers: a caller adds its own with WithOutgoingHeader or
// WithOutgoingHeaders (the gateway says who is calling, HeaderCallerSource
// and HeaderSlackUser) and a handler reads them
// with IncomingHeader. Each endpoint
// runs up to ServiceOptions.MaxConcurrent unary calls and MaxStreams streams
// at once. Requests are checked against their buf.validate rules before the
// handler runs (CodeInvalidArgument).
//
// # Stats
//
// Handlers run on their own goroutines, so micro's own per-endpoint
// counters only see the hand-off (num_requests is right; processing_time is
// near zero and errors after the hand-off are missed). The truthful numbers
// (requests, errors, last error, processing time, in flight, stream messages
// sent) are each endpoint's "data" in `nats micro stats` (EndpointStats),
// and the Prometheus metrics kubemedic_rpc_server_{handled_total,
// handling_seconds,in_flight,stream_messages_sent_total} when
// ServerConfig.Metrics is set (launch.Process.ServeRPC sets it to the admin
// endpoint's registry).
//
// # Calling
//
// Client.Call sends one request and waits for the reply with nats.go's
// request helper (one wildcard inbox subscription per connection). Client.Stream (or
// the typed ServerStream function) calls a server-streaming method and hands each
// message to a callback. Errors are *connect.Error: the service's code, or
// CodeUnavailable at once when the bus is down, drops while waiting, or no
// process serves the subject; CodeDeadlineExceeded when the caller's own
// deadline passed.
//
// # Streaming protocol
//
// A server stream is a conversation between the caller's private inbox and a
// private control subject of the serving process:
//
//  1. The caller subscribes to a fresh inbox and publishes the request to the
//     method subject with reply = inbox.
//  2. The server answers "open" (header Kubemedic-Stream: open) naming its
//     control subject (Kubemedic-Control), its heartbeat interval
//     (Kubemedic-Heartbeat, ms) and flow-control window (Kubemedic-Window).
//  3. Each message is sent as "msg" with Kubemedic-Seq 1, 2, 3…; the caller
//     fails the stream with CodeDataLoss if a sequence number is skipped.
//  4. Flow control: the server has at most Window messages unacknowledged;
//     the caller publishes "ack" (Kubemedic-Seq = messages its callback has
//     consumed) to the control subject every Window/2 messages and on every
//     heartbeat. A slow consumer therefore slows the handler's send down
//     instead of growing buffers.
//  5. The server publishes "hb" every heartbeat interval. The caller that
//     hears nothing for three intervals fails with CodeUnavailable (the
//     serving process died); the server that hears no ack for three
//     intervals cancels the handler's context (the caller vanished).
//  6. The stream ends with "end" carrying the final sequence number and, on
//     failure, micro's error headers with the Connect code. An error before
//     the stream opened (Unimplemented, invalid request) is a plain micro
//     error reply.
//  7. A caller whose context ends publishes "cancel" to the control subject;
//     the handler's context is cancelled and its send returns an error.
package natsrpc

import (
	"fmt"
	"strings"
)

// SubjectPrefix starts every RPC subject.
const SubjectPrefix = "kubemedic.rpc"

// Headers of the protocol, besides micro's error headers and traceparent.
const (
	// HeaderTimeout carries the caller's remaining time in milliseconds.
	HeaderTimeout = "Kubemedic-Timeout"
	// HeaderStream is the kind of a stream message: open, msg, hb, end
	// (server to caller); ack, cancel (caller to server).
	HeaderStream = "Kubemedic-Stream"
	// HeaderSeq is a message's sequence number (msg, end) or the number of
	// messages consumed (ack).
	HeaderSeq = "Kubemedic-Seq"
	// HeaderControl names the server's control subject (open).
	HeaderControl = "Kubemedic-Control"
	// HeaderHeartbeat is the server's heartbeat interval in ms (open).
	HeaderHeartbeat = "Kubemedic-Heartbeat"
	// HeaderWindow is the flow-control window in messages (open).
	HeaderWindow = "Kubemedic-Window"
)

// Stream message kinds (values of HeaderStream).
const (
	kindOpen      = "open"
	kindMsg       = "msg"
	kindHeartbeat = "hb"
	kindEnd       = "end"
	kindAck       = "ack"
	kindCancel    = "cancel"
)

// Subject returns the NATS subject of a Connect procedure name, e.g.
// "/kubemedic.v1.KnowledgeService/Ask" -> "kubemedic.rpc.v1.KnowledgeService.Ask".
// The protobuf package's leading "kubemedic." is replaced by SubjectPrefix,
// so kubemedic.v2 would travel on kubemedic.rpc.v2.….
func Subject(procedure string) (string, error) {
	service, method, err := splitProcedure(procedure)
	if err != nil {
		return "", err
	}
	pkg, name := "", service
	if i := strings.LastIndexByte(service, '.'); i >= 0 {
		pkg, name = service[:i], service[i+1:]
	}
	pkg = strings.TrimPrefix(pkg, "kubemedic")
	pkg = strings.TrimPrefix(pkg, ".")
	if pkg == "" {
		return SubjectPrefix + "." + name + "." + method, nil
	}
	return SubjectPrefix + "." + pkg + "." + name + "." + method, nil
}

// splitProcedure splits "/pkg.Service/Method" into "pkg.Service" and "Method".
func splitProcedure(procedure string) (service, method string, err error) {
	rest, ok := strings.CutPrefix(procedure, "/")
	if ok {
		service, method, ok = strings.Cut(rest, "/")
	}
	if !ok || service == "" || method == "" || strings.ContainsAny(rest, " \t\r\n*>") || strings.Contains(method, "/") ||
		strings.HasPrefix(service, ".") || strings.HasSuffix(service, ".") || strings.Contains(service, "..") {
		return "", "", fmt.Errorf("natsrpc: %q is not a procedure name like /kubemedic.v1.KnowledgeService/Ask", procedure)
	}
	return service, method, nil
}
