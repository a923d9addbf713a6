package allinone

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
	"github.com/kubemedic/kubemedic/services/analyzer"
	"github.com/kubemedic/kubemedic/services/asklog"
)

// startAskLog starts recording questions into the JetStream stream that
// `kubemedic kb gaps` reads, unless knowledge.ask_log.enabled is false. A
// server whose NATS has no JetStream still serves; it only records nothing,
// and says so in the log.
func (s *Server) startAskLog(ctx context.Context, cfg *config.Config, conn *natsrpc.Conn) analyzer.AskRecorder {
	al := cfg.Knowledge.AskLog
	if al.Enabled != nil && !*al.Enabled {
		return nil
	}
	log := s.proc.Logger.With("component", "asklog")
	js, err := jetstream.New(conn.Conn)
	if err == nil {
		s.AskLog, err = asklog.New(ctx, asklog.Options{
			JetStream: js,
			Limits:    asklog.Limits{MaxAge: al.MaxAge.Duration, MaxBytes: al.MaxBytes, MaxMsgs: al.MaxMsgs},
			Logger:    log,
		})
	}
	if err != nil {
		log.Warn("ask log disabled: `kubemedic kb gaps` will find nothing", "error", err)
		return nil
	}
	s.proc.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.AskLog.Close(ctx); err != nil {
			log.Warn("ask log not flushed", "error", err)
		}
	})
	return s.AskLog
}
