package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kubemedic/kubemedic/platform/localgateway"
	"github.com/kubemedic/kubemedic/proto/client"
	kubemedicv1 "github.com/kubemedic/kubemedic/proto/kubemedic/v1"
)

var lookupEnv = os.LookupEnv

// clientFlags locate the gateway: by default the one a local `kubemedic
// serve` recorded in the data dir.
type clientFlags struct {
	configFile string
	dataDir    string
	server     string
	token      string
	caFile     string
	clientCert string
	clientKey  string
	timeout    time.Duration
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.configFile, "config", "", "YAML config file (to find the data dir)")
	cmd.Flags().StringVar(&f.dataDir, "data-dir", "", "data directory of the local server (default: <user cache dir>/kubemedic)")
	cmd.Flags().StringVar(&f.server, "server", "", "gateway URL, e.g. http://127.0.0.1:7070 (default: the local server)")
	cmd.Flags().StringVar(&f.token, "token", "", "API token (default: $KUBEMEDIC_TOKEN or the local server's token)")
	cmd.Flags().StringVar(&f.caFile, "ca-file", "", "with --server https://…: PEM CA certificates that verify the gateway (default: the system's)")
	cmd.Flags().StringVar(&f.clientCert, "client-cert", "", "with --server: PEM client certificate for a gateway that requires one (mTLS); needs --client-key")
	cmd.Flags().StringVar(&f.clientKey, "client-key", "", "with --server: PEM key of --client-cert")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 15*time.Second, "request timeout")
}

func (f *clientFlags) endpoint() (localgateway.Endpoint, error) {
	if f.server != "" {
		tok := f.token
		if tok == "" {
			tok, _ = lookupEnv("KUBEMEDIC_TOKEN")
		}
		if tok == "" {
			return localgateway.Endpoint{}, errors.New("--server needs a token: pass --token or set KUBEMEDIC_TOKEN")
		}
		if !strings.HasPrefix(f.server, "http://") && !strings.HasPrefix(f.server, "https://") {
			return localgateway.Endpoint{}, fmt.Errorf("--server %q: want a URL such as http://127.0.0.1:7070", f.server)
		}
		ep := localgateway.Endpoint{URL: strings.TrimRight(f.server, "/"), Token: tok}
		if err := f.addTLS(&ep); err != nil {
			return localgateway.Endpoint{}, err
		}
		return ep, nil
	}
	if f.caFile != "" || f.clientCert != "" || f.clientKey != "" {
		return localgateway.Endpoint{}, errors.New("--ca-file, --client-cert and --client-key go with --server: the local server's certificates are read from its data dir")
	}
	cfg, err := loadConfig(f.configFile, f.dataDir, "")
	if err != nil {
		return localgateway.Endpoint{}, err
	}
	ep, err := localgateway.Read(cfg.LocalGatewayDir())
	if err != nil {
		return ep, err
	}
	if f.token != "" {
		ep.Token = f.token
	}
	return ep, nil
}

// addTLS sets the CA and client certificate of --ca-file, --client-cert and
// --client-key on a remote endpoint.
func (f *clientFlags) addTLS(ep *localgateway.Endpoint) error {
	if (f.caFile != "" || f.clientCert != "") && !strings.HasPrefix(ep.URL, "https://") {
		return fmt.Errorf("--ca-file and --client-cert need an https:// --server, got %s", ep.URL)
	}
	if f.caFile != "" {
		b, err := os.ReadFile(f.caFile)
		if err != nil {
			return fmt.Errorf("--ca-file: %w", err)
		}
		ep.RootCAs = x509.NewCertPool()
		if !ep.RootCAs.AppendCertsFromPEM(b) {
			return fmt.Errorf("--ca-file %s: no PEM certificate in it", f.caFile)
		}
	}
	if (f.clientCert == "") != (f.clientKey == "") {
		return errors.New("--client-cert and --client-key go together")
	}
	if f.clientCert != "" {
		c, err := tls.LoadX509KeyPair(f.clientCert, f.clientKey)
		if err != nil {
			return fmt.Errorf("--client-cert/--client-key: %w", err)
		}
		ep.ClientCert = &c
	}
	return nil
}

func newStatusCommand() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "게이트웨이 상태를 확인합니다 (check the gateway's health)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ep, err := f.endpoint()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			client := connect.NewClient[healthpb.HealthCheckRequest, healthpb.HealthCheckResponse](
				ep.HTTPClient(), ep.URL+"/grpc.health.v1.Health/Check", connect.WithGRPC())
			resp, err := client.CallUnary(ctx, connect.NewRequest(&healthpb.HealthCheckRequest{}))
			if err != nil {
				return fmt.Errorf("gateway %s: %w", ep.URL, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "gateway %s: %s\n", ep.URL, resp.Msg.GetStatus())
			if resp.Msg.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				return errors.New("gateway is not serving")
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func newClustersCommand() *cobra.Command {
	var (
		f      clientFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "clusters",
		Short: "감시 중인 클러스터 목록 (list the watched clusters)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ep, err := f.endpoint()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			c, err := client.New(ep.URL, ep.Token, client.WithHTTPClient(ep.HTTPClient()))
			if err != nil {
				return err
			}
			resp, err := c.Fleet.ListClusters(ctx, connect.NewRequest(&kubemedicv1.ListClustersRequest{}))
			if err != nil {
				return err
			}
			return printClusters(cmd.OutOrStdout(), resp.Msg, asJSON)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// watchState names a live view's state for the table (Korean first).
func watchState(s kubemedicv1.WatchState) string {
	switch s {
	case kubemedicv1.WatchState_WATCH_STATE_IDLE:
		return "대기(idle)"
	case kubemedicv1.WatchState_WATCH_STATE_SYNCING:
		return "동기화 중(syncing)"
	case kubemedicv1.WatchState_WATCH_STATE_SYNCED:
		return "동기화됨(synced)"
	case kubemedicv1.WatchState_WATCH_STATE_DEGRADED:
		return "재시도 중(degraded)"
	case kubemedicv1.WatchState_WATCH_STATE_UNAVAILABLE:
		return "사용 불가(unavailable)"
	}
	return "-"
}

// clusterSource names where a cluster comes from for the table (Korean
// first).
func clusterSource(s kubemedicv1.ClusterSource) string {
	switch s {
	case kubemedicv1.ClusterSource_CLUSTER_SOURCE_CONFIG:
		return "설정(config)"
	case kubemedicv1.ClusterSource_CLUSTER_SOURCE_REGISTERED:
		return "등록(registered)"
	}
	return "-"
}

func printClusters(w io.Writer, resp *kubemedicv1.ListClustersResponse, asJSON bool) error {
	if asJSON {
		b, err := protojson.Marshal(resp)
		if err != nil {
			return err
		}
		var v any
		_ = json.Unmarshal(b, &v)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	if len(resp.GetClusters()) == 0 {
		fmt.Fprintln(w, "설정된 클러스터가 없습니다. `kubemedic serve --kubeconfig FILE` 또는 설정 파일의 clusters로 추가하세요.")
		fmt.Fprintln(w, "No clusters configured: start the server with --kubeconfig FILE or list clusters in the config.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tPROVIDER\tREACHABLE\tVERSION\tNODES\tWATCH\tOBJECTS\tSERVER")
	for _, c := range resp.GetClusters() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%d\t%s\t%d\t%s\n", c.GetName(), clusterSource(c.GetSource()), c.GetProvider(), c.GetReachable(), c.GetVersion(), c.GetNodeCount(),
			watchState(c.GetWatch().GetState()), c.GetWatch().GetObjects(), c.GetServer())
	}
	return tw.Flush()
}
