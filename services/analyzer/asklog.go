package analyzer

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/services/asklog"
)

// OpenAskLog starts recording questions into the JetStream stream that
// `kubemedic kb gaps` reads (services/asklog), bounded by
// knowledge.ask_log and kept on fleet.replicas NATS servers, and flushes
// the record when the process closes. Every analyzer process records its
// own Asks, the all-in-one server's and each replica of a split
// deployment's alike.
//
// It returns nil when knowledge.ask_log.enabled is false, or when the stream
// cannot be made (a NATS server without JetStream, more replicas than
// servers): the process still answers, records nothing, and says so in its
// log.
func OpenAskLog(ctx context.Context, p *launch.Process, nc *nats.Conn) *asklog.Recorder {
	al := p.Config.Knowledge.AskLog
	if al.Enabled != nil && !*al.Enabled {
		return nil
	}
	log := p.Logger.With("component", "asklog")
	js, err := jetstream.New(nc)
	var rec *asklog.Recorder
	if err == nil {
		rec, err = asklog.New(ctx, asklog.Options{
			JetStream: js,
			Limits: asklog.Limits{
				MaxAge: al.MaxAge.Duration, MaxBytes: al.MaxBytes, MaxMsgs: al.MaxMsgs,
				Replicas: p.Config.Fleet.Replicas,
			},
			Logger: log,
		})
	}
	if err != nil {
		log.Warn("ask log disabled: `kubemedic kb gaps` will find nothing and answer ratings are refused", "error", err)
		return nil
	}
	p.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rec.Close(ctx); err != nil {
			log.Warn("ask log not flushed", "error", err)
		}
	})
	return rec
}
