// Command gateway serves kubemedic's public API (Connect, gRPC, gRPC-Web)
// and forwards calls over NATS to the services.
package main

import (
	"context"
	"errors"

	"github.com/kubemedic/kubemedic/gateway"
	"github.com/kubemedic/kubemedic/platform/launch"
	"github.com/kubemedic/kubemedic/platform/natsrpc"
)

func main() {
	launch.Main("gateway", func(_ context.Context, p *launch.Process) error {
		creds, err := gateway.CredentialsFromConfig(p.Config.Gateway.Tokens)
		if err != nil {
			return err
		}
		if len(creds) == 0 {
			return errors.New("no API tokens configured: add gateway.tokens to the config (each with hash, file or env; `kubemedic token new` makes one)")
		}
		conn, err := p.ConnectNATS(p.Config.NATS.URL)
		if err != nil {
			return err
		}
		tlsConfig, err := gateway.TLSConfig(p.Config.Gateway.TLS)
		if err != nil {
			return err
		}
		srv, err := gateway.New(gateway.Options{
			Bus:              natsrpc.NewClient(conn, p.Config.NATS.RequestTimeout.Duration),
			Ready:            conn.IsConnected,
			Credentials:      creds,
			Logger:           p.Logger,
			MaxRequestBytes:  p.Config.Gateway.MaxRequestBytes,
			CompressMinBytes: p.Config.Gateway.CompressMinBytes,
			TLS:              tlsConfig,
			CORSOrigins:      p.Config.Gateway.CORS.AllowedOrigins,
			CORSMaxAge:       p.Config.Gateway.CORS.MaxAge.Duration,
			Tracing:          p.Config.Tracing.Enabled(),
		})
		if err != nil {
			return err
		}
		l, err := launch.Listen("gateway.addr / KUBEMEDIC_GATEWAY_ADDR", p.Config.Gateway.Addr)
		if err != nil {
			return err
		}
		p.Add(launch.Component{Name: "gateway", Run: func(ctx context.Context) error { return srv.Serve(ctx, l) }})
		return nil
	})
}
