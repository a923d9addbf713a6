package deploycheck

import (
	"context"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"
)

// composeSecrets are the variables docker-compose.yaml requires (${VAR:?...}).
var composeSecrets = []string{
	"KUBEMEDIC_SLACK_SIGNING_SECRET",
	"KUBEMEDIC_SLACK_BOT_TOKEN",
	"KUBEMEDIC_GATEWAY_TOKEN_FILE",
	"KUBEMEDIC_KUBECONFIG_FILE",
}

// composeEnv is an environment that satisfies docker-compose.yaml, with the
// files it names created under a temporary directory.
func composeEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	token := filepath.Join(dir, "gateway-token")
	kubeconfig := filepath.Join(dir, "kubeconfig")
	for _, f := range []string{token, kubeconfig} {
		if err := os.WriteFile(f, []byte("placeholder\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{
		"KUBEMEDIC_SLACK_SIGNING_SECRET": "test-signing-secret",
		"KUBEMEDIC_SLACK_BOT_TOKEN":      "test-bot-token",
		"KUBEMEDIC_GATEWAY_TOKEN_FILE":   token,
		"KUBEMEDIC_KUBECONFIG_FILE":      kubeconfig,
	}
}

// loadCompose loads docker-compose.yaml with compose-go, the loader docker
// compose itself uses: schema validation, interpolation, merge keys,
// consistency of references. Only env is visible (no .env, no OS
// environment).
func loadCompose(root string, env map[string]string) (*types.Project, error) {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yaml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(list),
		cli.WithName("kubemedic"),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

func TestComposeRequiresSecrets(t *testing.T) {
	root := repoRoot(t)
	for _, name := range composeSecrets {
		t.Run(name, func(t *testing.T) {
			env := composeEnv(t)
			delete(env, name)
			_, err := loadCompose(root, env)
			if err == nil {
				t.Fatalf("docker-compose.yaml loads without %s; a mandatory secret needs ${%s:?message}", name, name)
			}
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error without %s does not name it: %v", name, err)
			}
		})
	}
}

// composeServices are the services docker-compose.yaml must run besides nats.
var composeServices = []string{"collector", "analyzer", "remediation", "gateway", "bot"}

func TestCompose(t *testing.T) {
	root := repoRoot(t)
	p, err := loadCompose(root, composeEnv(t))
	if err != nil {
		t.Fatalf("docker-compose.yaml does not load: %v", err)
	}
	for _, name := range append([]string{"nats"}, composeServices...) {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("docker-compose.yaml has no %s service", name)
		}
	}
	natsPort := checkComposeNATS(t, root, p)
	for name, svc := range p.Services {
		if name == "nats" {
			continue
		}
		t.Run(name, func(t *testing.T) { checkComposeService(t, root, p, name, svc, natsPort) })
	}
}

// checkComposeNATS checks the nats service and returns its client port.
func checkComposeNATS(t *testing.T, root string, p *types.Project) string {
	t.Helper()
	svc, ok := p.Services["nats"]
	if !ok {
		return ""
	}
	if !strings.HasPrefix(svc.Image, "nats:") || strings.HasSuffix(svc.Image, ":latest") || !strings.Contains(svc.Image, ":") {
		t.Errorf("nats image %q: want the official nats image with a pinned tag", svc.Image)
	}
	conf := flagValue(svc.Command, "-c")
	vol, ok := volumeAt(svc, conf)
	if conf == "" || !ok {
		t.Fatalf("nats command %q: want -c <file> with the file mounted", svc.Command)
	}
	if want := filepath.Join(root, "deploy", "nats", "nats.conf"); vol.Source != want {
		t.Errorf("nats config mounted from %s, want %s", vol.Source, want)
	}
	if !slices.Contains(svc.Command, "-js") {
		t.Errorf("nats command %q lacks -js (JetStream)", svc.Command)
	}
	store := flagValue(svc.Command, "-sd")
	if v, ok := volumeAt(svc, store); store == "" || !ok || v.Type != types.VolumeTypeVolume {
		t.Errorf("nats command %q: want -sd <dir> on a named volume so JetStream survives restarts", svc.Command)
	}
	// The server sees the command line merged over the file.
	opts, err := natsCommandOptions(svc.Command, vol.Source)
	if err != nil {
		t.Fatalf("nats-server refuses the compose command %q: %v", svc.Command, err)
	}
	if !opts.JetStream || opts.StoreDir != store {
		t.Errorf("nats command %q: JetStream=%v store %q, want JetStream on the -sd volume", svc.Command, opts.JetStream, opts.StoreDir)
	}
	hc := healthURL(t, "nats", svc)
	if hc != nil {
		if hc.Port() != itoa(opts.HTTPPort) || hc.Path != "/healthz" || hc.Query().Get("js-enabled-only") != "true" {
			t.Errorf("nats healthcheck %s: want http://127.0.0.1:%d/healthz?js-enabled-only=true (nats.conf http port)", hc, opts.HTTPPort)
		}
	}
	return itoa(opts.Port)
}

func checkComposeService(t *testing.T, root string, p *types.Project, name string, svc types.ServiceConfig, natsPort string) {
	if _, ok := binaries[name]; !ok {
		t.Fatalf("compose service %s: no kubemedic binary of that name (want one of %v)", name, slices.Sorted(maps.Keys(binaries)))
	}
	// Image and binary.
	if svc.Build == nil {
		t.Fatalf("no build section")
	}
	if svc.Build.Context != root {
		t.Errorf("build context %s, want the repository root", svc.Build.Context)
	}
	dockerfile := svc.Build.Dockerfile
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(svc.Build.Context, dockerfile)
	}
	if _, err := os.Stat(dockerfile); err != nil {
		t.Errorf("build.dockerfile: %v", err)
	}
	if want := filepath.Join(root, "deploy", "docker", name+".Dockerfile"); dockerfile != want {
		t.Errorf("build.dockerfile %s, want %s", dockerfile, want)
	}
	if want := "kubemedic/" + name + ":dev"; svc.Image != want {
		t.Errorf("image %q, want %q", svc.Image, want)
	}
	img := imageFacts(t, root, name)
	if svc.Entrypoint != nil {
		t.Errorf("entrypoint %q overrides the image's %q", svc.Entrypoint, img.entrypoint)
	}
	if len(svc.Command) == 0 || !strings.HasPrefix(svc.Command[0], "-") {
		t.Errorf("command %q: want flags for %s (the image's entrypoint), e.g. --config", svc.Command, name)
	}

	// Files.
	for _, v := range svc.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if _, err := os.Stat(v.Source); err != nil {
			t.Errorf("bind mount source: %v", err)
		}
		if !v.ReadOnly {
			t.Errorf("bind mount %s -> %s is writable; mount configuration read-only", v.Source, v.Target)
		}
	}
	configPath := flagValue(svc.Command, "--config")
	vol, ok := volumeAt(svc, configPath)
	if configPath == "" || !ok {
		t.Fatalf("command %q: want --config <file> with the file mounted", svc.Command)
	}

	// The environment the binary sees: the image's ENV under compose's.
	env := map[string]string{}
	for k, v := range img.env {
		env[k] = v
	}
	for k, v := range svc.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	if env["KUBEMEDIC_NATS_URL"] == "" {
		t.Errorf("no KUBEMEDIC_NATS_URL")
	}
	loadConfig(t, vol.Source, nil) // the file alone must be valid, not only after overrides
	cfg := loadConfig(t, vol.Source, env)

	u, err := url.Parse(cfg.NATS.URL)
	switch {
	case err != nil:
		t.Errorf("nats url %q: %v", cfg.NATS.URL, err)
	case u.Scheme != "nats" || u.Hostname() != "nats" || u.Port() != natsPort:
		t.Errorf("nats url %q, want nats://nats:%s (the nats service)", cfg.NATS.URL, natsPort)
	}
	if dep, ok := svc.DependsOn["nats"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("depends_on nats: want condition service_healthy")
	}

	// Addresses, ports, health.
	addrPorts := map[string]bool{}
	for k, v := range env {
		if !isAddrVar(k) {
			continue
		}
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			t.Errorf("%s=%s: %v", k, v, err)
			continue
		}
		if host != "0.0.0.0" {
			t.Errorf("%s=%s: bind 0.0.0.0 inside the container", k, v)
		}
		if !slices.Contains(img.expose, port) {
			t.Errorf("%s=%s but the image EXPOSEs %v", k, v, img.expose)
		}
		addrPorts[port] = true
	}
	_, adminPort, err := net.SplitHostPort(cfg.Admin.Addr)
	if err != nil {
		t.Fatalf("admin addr %q: %v", cfg.Admin.Addr, err)
	}
	if hc := healthURL(t, name, svc); hc != nil {
		if hc.Hostname() != "127.0.0.1" && hc.Hostname() != "localhost" {
			t.Errorf("healthcheck %s: probe the container itself (127.0.0.1)", hc)
		}
		if hc.Port() != adminPort || hc.Path != "/readyz" {
			t.Errorf("healthcheck %s: want http://127.0.0.1:%s/readyz (admin.addr %s)", hc, adminPort, cfg.Admin.Addr)
		}
	}
	for _, port := range svc.Ports {
		target := itoa(int(port.Target))
		if !addrPorts[target] {
			t.Errorf("publishes container port %s, but no KUBEMEDIC_*_ADDR listens there", target)
		}
		if port.Published != target {
			t.Errorf("publishes container port %s on host port %s; keep them equal so the documented ports hold", target, port.Published)
		}
	}
	published := func(addr string) {
		_, want, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("%q: %v", addr, err)
			return
		}
		for _, port := range svc.Ports {
			if itoa(int(port.Target)) == want {
				return
			}
		}
		t.Errorf("port %s (%s) is not published", want, addr)
	}

	// What each service needs.
	switch name {
	case "gateway":
		published(cfg.Gateway.Addr)
		if len(cfg.Gateway.Tokens) == 0 {
			t.Errorf("config has no gateway.tokens: the gateway refuses to start without one")
		}
		for _, tok := range cfg.Gateway.Tokens {
			switch {
			case tok.File != "":
				checkSecretFile(t, p, svc, tok.File)
			case env[tok.Env] == "":
				t.Errorf("token %s reads $%s, which the service does not set", tok.Name, tok.Env)
			}
		}
	case "bot":
		published(cfg.Bot.Addr)
		for _, k := range []string{"KUBEMEDIC_SLACK_SIGNING_SECRET", "KUBEMEDIC_SLACK_BOT_TOKEN"} {
			if env[k] == "" && !(k == "KUBEMEDIC_SLACK_SIGNING_SECRET" && cfg.Bot.SigningSecretFile != "") && !(k == "KUBEMEDIC_SLACK_BOT_TOKEN" && cfg.Bot.BotTokenFile != "") {
				t.Errorf("no %s (nor the matching bot.*_file)", k)
			}
		}
		if cfg.Bot.GatewayTokenFile != "" {
			checkSecretFile(t, p, svc, cfg.Bot.GatewayTokenFile)
		} else if env["KUBEMEDIC_GATEWAY_TOKEN"] == "" {
			t.Errorf("the bot has no gateway token (bot.gateway_token_file or KUBEMEDIC_GATEWAY_TOKEN)")
		}
		checkBotGatewayURL(t, root, p, cfg.Bot.GatewayURL)
		if dep, ok := svc.DependsOn["gateway"]; !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("depends_on gateway: want condition service_healthy")
		}
	case "collector", "remediation":
		if len(cfg.Clusters) == 0 {
			t.Errorf("config names no cluster")
		}
		for _, cl := range cfg.Clusters {
			v, ok := volumeAt(svc, cl.Kubeconfig)
			if !ok {
				t.Errorf("cluster %s: kubeconfig %s is not mounted", cl.Name, cl.Kubeconfig)
				continue
			}
			if !v.ReadOnly {
				t.Errorf("cluster %s: kubeconfig mounted writable", cl.Name)
			}
		}
	}
}

// checkBotGatewayURL asserts the bot's gateway URL reaches the gateway
// service's listen port.
func checkBotGatewayURL(t *testing.T, root string, p *types.Project, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Errorf("bot gateway url %q: %v", raw, err)
		return
	}
	gw, ok := p.Services[u.Hostname()]
	if !ok || u.Hostname() != "gateway" {
		t.Errorf("bot gateway url %q does not name the gateway service", raw)
		return
	}
	addr := ""
	if v := gw.Environment["KUBEMEDIC_GATEWAY_ADDR"]; v != nil {
		addr = *v
	} else {
		addr = imageFacts(t, root, "gateway").env["KUBEMEDIC_GATEWAY_ADDR"]
	}
	if _, port, _ := net.SplitHostPort(addr); u.Port() != port {
		t.Errorf("bot gateway url %q, but the gateway listens on %q", raw, addr)
	}
}

// checkSecretFile asserts that file is a compose secret mounted into svc and
// that the secret's source file exists.
func checkSecretFile(t *testing.T, p *types.Project, svc types.ServiceConfig, file string) {
	t.Helper()
	for _, s := range svc.Secrets {
		target := s.Target
		if target == "" {
			target = "/run/secrets/" + s.Source
		} else if !strings.HasPrefix(target, "/") {
			target = "/run/secrets/" + target
		}
		if target != file {
			continue
		}
		top, ok := p.Secrets[s.Source]
		if !ok {
			t.Errorf("secret %s is not defined at the top level", s.Source)
			return
		}
		if top.File == "" {
			t.Errorf("secret %s has no file", s.Source)
			return
		}
		if _, err := os.Stat(top.File); err != nil {
			t.Errorf("secret %s: %v", s.Source, err)
		}
		return
	}
	t.Errorf("config reads %s, but no compose secret is mounted there", file)
}

// healthURL returns the URL a compose healthcheck probes with wget or curl.
func healthURL(t *testing.T, name string, svc types.ServiceConfig) *url.URL {
	t.Helper()
	hc := svc.HealthCheck
	if hc == nil || len(hc.Test) < 2 || hc.Disable {
		t.Errorf("%s has no healthcheck", name)
		return nil
	}
	if hc.Test[0] != "CMD" {
		t.Errorf("%s healthcheck %q: use the CMD form (the images have no shell guarantees)", name, hc.Test)
	}
	if bin := hc.Test[1]; bin != "wget" && bin != "curl" {
		t.Errorf("%s healthcheck runs %q; want wget (present in the alpine-based images)", name, bin)
	}
	for _, a := range hc.Test[2:] {
		if strings.HasPrefix(a, "http://") {
			u, err := url.Parse(a)
			if err != nil {
				t.Errorf("%s healthcheck url %q: %v", name, a, err)
				return nil
			}
			return u
		}
	}
	t.Errorf("%s healthcheck %q has no http:// URL", name, hc.Test)
	return nil
}

// flagValue returns the argument after flag (or flag=value) in args.
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}

// volumeAt returns the volume mounted at target.
func volumeAt(svc types.ServiceConfig, target string) (types.ServiceVolumeConfig, bool) {
	for _, v := range svc.Volumes {
		if v.Target == target {
			return v, true
		}
	}
	return types.ServiceVolumeConfig{}, false
}

// imageFacts reads the final stage of deploy/docker/<binary>.Dockerfile
// without asserting anything (TestDockerfiles does that).
func imageFacts(t *testing.T, root, binary string) image {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "deploy", "docker", binary+".Dockerfile"))
	if err != nil {
		t.Fatalf("reading Dockerfile: %v", err)
	}
	ins, err := parseDockerfile(string(b))
	if err != nil {
		t.Fatalf("%s.Dockerfile: %v", binary, err)
	}
	img := image{binary: binary, env: map[string]string{}}
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			img = image{binary: binary, env: map[string]string{}}
		case "ENV":
			kv, _ := envPairs(in.args)
			for k, v := range kv {
				img.env[k] = v
			}
		case "EXPOSE":
			for _, p := range strings.Fields(in.args) {
				img.expose = append(img.expose, strings.TrimSuffix(p, "/tcp"))
			}
		case "ENTRYPOINT":
			img.entrypoint, _ = execForm(in.args)
		}
	}
	return img
}

// TestComposeRawSecrets reads docker-compose.yaml as plain YAML, before
// interpolation: every secret-looking environment variable must take its
// value from the environment (${VAR...}), never from the file.
func TestComposeRawSecrets(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment any `json:"environment"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docker-compose.yaml is not valid YAML: %v", err)
	}
	for name, svc := range doc.Services {
		for k, v := range environmentMap(svc.Environment) {
			if !secretName.MatchString(k) {
				continue
			}
			if !strings.HasPrefix(v, "${") || !strings.HasSuffix(v, "}") {
				t.Errorf("service %s: %s has a literal value; use ${%s:?message} and keep the value in .env", name, k, k)
			} else if !strings.Contains(v, ":?") {
				t.Errorf("service %s: %s=%s may silently be empty; use ${%s:?message}", name, k, v, k)
			}
		}
	}
}

// environmentMap accepts both compose environment forms (map and list).
func environmentMap(v any) map[string]string {
	out := map[string]string{}
	switch env := v.(type) {
	case map[string]any:
		for k, val := range env {
			if val == nil {
				out[k] = ""
			} else {
				out[k] = strings.TrimSpace(toString(val))
			}
		}
	case []any:
		for _, e := range env {
			k, val, _ := strings.Cut(toString(e), "=")
			out[k] = val
		}
	}
	return out
}
