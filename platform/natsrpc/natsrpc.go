// Package natsrpc carries kubemedic's internal RPCs over NATS request/reply.
//
// Every public API method has a NATS subject, kubemedic.rpc.v1.<Service>.<Method>
// (see Subject). Requests and replies are the same protobuf messages as the
// public API. Services serve subjects with the nats.go micro framework, so
// replicas share work through a queue group and are discoverable with
// `$SRV.PING`. Errors travel in micro's error headers with a Connect code name
// ("invalid_argument", "not_found", ...) and are turned back into
// *connect.Error on the calling side, so the gateway can return them as-is.
// Trace context travels in NATS headers (W3C traceparent).
//
// A request never hangs on a broken bus: when the connection is down or drops
// while waiting, the call fails at once with CodeUnavailable.
package natsrpc

import "strings"

// SubjectPrefix starts every RPC subject.
const SubjectPrefix = "kubemedic.rpc.v1"

// Subject returns the subject of one RPC, e.g.
// Subject("KnowledgeService", "Ask") = "kubemedic.rpc.v1.KnowledgeService.Ask".
func Subject(service, method string) string {
	return SubjectPrefix + "." + service + "." + method
}

// ServiceName returns the short service name from a protobuf full service name
// such as "kubemedic.v1.KnowledgeService".
func ServiceName(fullName string) string {
	if i := strings.LastIndexByte(fullName, '.'); i >= 0 {
		return fullName[i+1:]
	}
	return fullName
}
