// Command kmcluster builds, starts and stops the kubemedic test cluster (a real
// control plane plus kwok fake nodes on 127.0.0.1) from the shell.
//
//	kmcluster bins                       build the binaries into .cache/bin (cached)
//	kmcluster up [-nodes N] [-pods P] [-demo]
//	                                     start a detached cluster in .cache/cluster and
//	                                     print the kubeconfig path
//	kmcluster down                       stop it; no process is left behind
//	kmcluster status                     say whether it runs
//
// `up -pods P` also creates P pods (Deployments in namespace "scale") and
// reports how long the cluster took to run them and how much memory each
// component uses; `up -demo` adds a mix of healthy and broken workloads (see
// package scenario).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kubemedic/kubemedic/test/controlplane"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kmcluster:", err)
		os.Exit(1)
	}
}

// podsPerNode is the pod capacity of a default fake node.
const podsPerNode = 110

const usage = `usage: kmcluster <command> [flags]

commands:
  bins     build (or reuse) the control-plane binaries
  up       start a detached cluster (flags: -nodes, -pods, -demo, -dir)
  down     stop the cluster started by up (flag: -dir)
  status   print whether the cluster runs (flag: -dir)
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	cacheDir, err := controlplane.DefaultCacheDir()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("kmcluster "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", filepath.Join(cacheDir, "cluster"), "cluster directory (kubeconfig, logs, etcd data)")
	nodes := fs.Int("nodes", controlplane.DefaultNodes, "number of kwok fake nodes")
	pods := fs.Int("pods", 0, "pods to create in namespace \"scale\" after start (benchmark)")
	demo := fs.Bool("demo", false, "create healthy and broken demo workloads")
	pin := fs.Bool("pin", false, "with -pods: pin the load pods to nodes (spec.nodeName, one Deployment per node) instead of scheduling them; much faster to populate")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch args[0] {
	case "bins":
		start := time.Now()
		bins, err := controlplane.Build(ctx, cacheDir, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "binaries ready in %s (%s)\n", bins.Dir, time.Since(start).Round(10*time.Millisecond))
		return nil
	case "up":
		if *nodes < 0 {
			return fmt.Errorf("-nodes must be 0 or more, got %d", *nodes)
		}
		if *pods < 0 {
			return fmt.Errorf("-pods must be 0 or more, got %d", *pods)
		}
		if *pods > *nodes*podsPerNode {
			return fmt.Errorf("%d pods do not fit on %d nodes of %d pods each; ask for at least %d nodes",
				*pods, *nodes, podsPerNode, (*pods+podsPerNode-1)/podsPerNode)
		}
		return up(ctx, upOptions{dir: *dir, cacheDir: cacheDir, nodes: *nodes, pods: *pods, demo: *demo, pin: *pin}, stdout, stderr)
	case "down":
		found, err := controlplane.StopDir(*dir)
		if err != nil {
			return err
		}
		if !found {
			fmt.Fprintf(stdout, "no cluster in %s\n", *dir)
			return nil
		}
		fmt.Fprintf(stdout, "cluster in %s stopped\n", *dir)
		return nil
	case "status":
		if server, ok := controlplane.Running(*dir); ok {
			fmt.Fprintf(stdout, "running: %s (kubeconfig %s)\n", server, filepath.Join(*dir, "kubeconfig"))
			return nil
		}
		fmt.Fprintf(stdout, "not running (%s)\n", *dir)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}
