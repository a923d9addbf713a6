package deploycheck

import (
	"encoding/json"
	"fmt"
	"go/build"
	"net"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY...
	args string
	line int
}

var dockerfileCommands = map[string]bool{
	"ADD": true, "ARG": true, "CMD": true, "COPY": true, "ENTRYPOINT": true, "ENV": true,
	"EXPOSE": true, "FROM": true, "HEALTHCHECK": true, "LABEL": true, "MAINTAINER": true,
	"ONBUILD": true, "RUN": true, "SHELL": true, "STOPSIGNAL": true, "USER": true,
	"VOLUME": true, "WORKDIR": true,
}

// parseDockerfile splits a Dockerfile into instructions: comments dropped,
// backslash continuations joined. Heredocs are not supported (none are used).
func parseDockerfile(src string) ([]instruction, error) {
	var out []instruction
	var cur strings.Builder
	start := 0
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i, raw := range lines {
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue // comments may also sit inside a continuation
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(cont)
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(trimmed)
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			continue
		}
		cmd, args, _ := strings.Cut(text, " ")
		cmd = strings.ToUpper(cmd)
		if !dockerfileCommands[cmd] {
			return nil, fmt.Errorf("line %d: unknown instruction %q", start, cmd)
		}
		out = append(out, instruction{cmd: cmd, args: strings.TrimSpace(args), line: start})
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: continuation at end of file", start)
	}
	return out, nil
}

// shellFields splits a shell command into words, honouring single and double
// quotes and backslash escapes (enough for RUN lines; no expansion).
func shellFields(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// leadingFlags splits "--from=build --chown=x a b" into flags and the rest.
func leadingFlags(args string) (flags map[string]string, rest []string, err error) {
	words, err := shellFields(args)
	if err != nil {
		return nil, nil, err
	}
	flags = map[string]string{}
	for len(words) > 0 && strings.HasPrefix(words[0], "--") {
		k, v, _ := strings.Cut(strings.TrimPrefix(words[0], "--"), "=")
		flags[k] = v
		words = words[1:]
	}
	return flags, words, nil
}

// execForm parses a JSON-array ENTRYPOINT/CMD.
func execForm(args string) ([]string, bool) {
	var v []string
	if err := json.Unmarshal([]byte(args), &v); err != nil {
		return nil, false
	}
	return v, true
}

// envPairs parses ENV in its key=value form.
func envPairs(args string) (map[string]string, error) {
	words, err := shellFields(args)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("ENV %q: use the key=value form", args)
		}
		out[k] = v
	}
	return out, nil
}

// goBuild is a parsed "go build" command line.
type goBuild struct {
	env     map[string]string // VAR=value words before "go"
	flags   map[string]string // -trimpath -> "", -ldflags -> "-s -w", -o -> path
	pkg     string
	present bool
}

func parseGoBuild(runArgs string) (goBuild, error) {
	words, err := shellFields(runArgs)
	if err != nil {
		return goBuild{}, err
	}
	gb := goBuild{env: map[string]string{}, flags: map[string]string{}}
	i := slices.Index(words, "go")
	if i < 0 || i+1 >= len(words) || words[i+1] != "build" {
		return gb, nil
	}
	gb.present = true
	for _, w := range words[:i] {
		if k, v, ok := strings.Cut(w, "="); ok {
			gb.env[k] = v
		}
	}
	rest := words[i+2:]
	for j := 0; j < len(rest); j++ {
		w := rest[j]
		if !strings.HasPrefix(w, "-") {
			if gb.pkg != "" {
				return gb, fmt.Errorf("go build builds more than one package (%s, %s)", gb.pkg, w)
			}
			gb.pkg = w
			continue
		}
		k, v, hasValue := strings.Cut(w, "=")
		if !hasValue && (k == "-o" || k == "-ldflags" || k == "-tags") && j+1 < len(rest) {
			j++
			v = rest[j]
		}
		gb.flags[k] = v
	}
	return gb, nil
}

func TestParseDockerfile(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []instruction
		wantErr string
	}{
		{
			name: "continuations and comments",
			src:  "# syntax=docker/dockerfile:1\nFROM golang:1.26 AS build\n\nRUN a \\\n  # inner comment\n  && b\nENV X=1 \\\n    Y=\"two words\"\n",
			want: []instruction{
				{cmd: "FROM", args: "golang:1.26 AS build", line: 2},
				{cmd: "RUN", args: "a  && b", line: 4},
				{cmd: "ENV", args: `X=1  Y="two words"`, line: 7},
			},
		},
		{name: "lower case instruction", src: "from alpine:3.22\n", want: []instruction{{cmd: "FROM", args: "alpine:3.22", line: 1}}},
		{name: "unknown instruction", src: "FORM alpine\n", wantErr: `unknown instruction "FORM"`},
		{name: "dangling continuation", src: "RUN a \\", wantErr: "continuation at end of file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDockerfile(tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseGoBuild(t *testing.T) {
	tests := []struct {
		name string
		run  string
		want goBuild
	}{
		{
			name: "full",
			run:  `--mount=type=cache,target=/x GOOS=$TARGETOS CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/bot ./bot/cmd/bot`,
			want: goBuild{
				present: true,
				env:     map[string]string{"--mount": "type=cache,target=/x", "GOOS": "$TARGETOS", "CGO_ENABLED": "0"},
				flags:   map[string]string{"-trimpath": "", "-ldflags": "-s -w", "-o": "/out/bot"},
				pkg:     "./bot/cmd/bot",
			},
		},
		{
			name: "separate flag values",
			run:  `go build -ldflags '-s -w' -o /out/x ./services/cmd/x`,
			want: goBuild{present: true, env: map[string]string{}, flags: map[string]string{"-ldflags": "-s -w", "-o": "/out/x"}, pkg: "./services/cmd/x"},
		},
		{name: "not a build", run: "go mod download", want: goBuild{env: map[string]string{}, flags: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGoBuild(tt.run)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// binaries maps every kubemedic binary to the directory of its main package.
var binaries = map[string]string{
	"kubemedic":   "services/cmd/kubemedic",
	"collector":   "services/cmd/collector",
	"analyzer":    "services/cmd/analyzer",
	"remediation": "services/cmd/remediation",
	"gateway":     "gateway/cmd/gateway",
	"bot":         "bot/cmd/bot",
}

// image is what the tests learn from one Dockerfile.
type image struct {
	binary     string
	entrypoint []string
	env        map[string]string
	expose     []string
}

// readImage parses and checks deploy/docker/<binary>.Dockerfile.
func readImage(t *testing.T, root, binary string) image {
	t.Helper()
	file := filepath.Join(root, "deploy", "docker", binary+".Dockerfile")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading Dockerfile: %v", err)
	}
	ins, err := parseDockerfile(string(b))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	img := image{binary: binary, env: map[string]string{}}
	var stages []string // stage names, in order
	var buildStage string
	var sawGoBuild, sawDownload bool
	copied := map[string]int{} // copy source -> instruction index
	ignore := readDockerignore(t, root)
	for i, in := range ins {
		switch in.cmd {
		case "FROM":
			_, words, err := leadingFlags(in.args)
			if err != nil || len(words) == 0 {
				t.Fatalf("line %d: FROM %q: %v", in.line, in.args, err)
			}
			name := ""
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				name = words[2]
			}
			stages = append(stages, name)
			if strings.HasPrefix(words[0], "golang:") {
				if words[0] != "golang:1.26" {
					t.Errorf("line %d: builder image %s, want golang:1.26", in.line, words[0])
				}
				buildStage = name
			}
			img.env = map[string]string{} // ENV is per stage; keep the final stage's
			img.expose = nil
		case "COPY":
			flags, words, err := leadingFlags(in.args)
			if err != nil || len(words) < 2 {
				t.Fatalf("line %d: COPY %q: want sources and a destination", in.line, in.args)
			}
			if from, ok := flags["from"]; ok {
				want := []string{"/out/" + binary, "/usr/local/bin/" + binary}
				if from != buildStage || !slices.Equal(words, want) {
					t.Errorf("line %d: COPY --from=%s %v, want COPY --from=%s %v", in.line, from, words, buildStage, want)
				}
				continue
			}
			checkCopySources(t, root, in, words[:len(words)-1], ignore)
			for _, src := range words[:len(words)-1] {
				copied[strings.TrimSuffix(src, "/")] = i
			}
		case "RUN":
			_, words, _ := leadingFlags(in.args)
			run := strings.Join(words, " ")
			if strings.Contains(run, "go mod download") {
				sawDownload = true
				for _, m := range imageModules {
					if _, ok := copied[m+"/go.mod"]; !ok {
						t.Errorf("line %d: go mod download runs before %s/go.mod is copied", in.line, m)
					}
					if _, ok := copied[m]; ok {
						t.Errorf("line %d: go mod download runs after the %s sources are copied, so any source change invalidates the module cache layer", in.line, m)
					}
				}
			}
			gb, err := parseGoBuild(in.args)
			if err != nil {
				t.Errorf("line %d: %v", in.line, err)
			}
			if gb.present {
				sawGoBuild = true
				checkGoBuild(t, root, binary, in, gb, img.env)
			}
		case "ENV":
			kv, err := envPairs(in.args)
			if err != nil {
				t.Errorf("line %d: %v", in.line, err)
			}
			for k, v := range kv {
				img.env[k] = v
			}
		case "EXPOSE":
			for _, p := range strings.Fields(in.args) {
				img.expose = append(img.expose, strings.TrimSuffix(p, "/tcp"))
			}
		case "USER":
			if u := strings.Split(in.args, ":")[0]; u == "root" || u == "0" {
				t.Errorf("line %d: USER %s runs as root", in.line, in.args)
			}
		case "ENTRYPOINT":
			ep, ok := execForm(in.args)
			if !ok {
				t.Errorf("line %d: ENTRYPOINT %s: use the exec (JSON array) form so signals reach the binary", in.line, in.args)
			}
			img.entrypoint = ep
		case "ADD":
			t.Errorf("line %d: use COPY, not ADD", in.line)
		}
	}
	if buildStage == "" {
		t.Errorf("no golang:1.26 builder stage with a name (FROM golang:1.26 AS build)")
	}
	if len(stages) < 2 {
		t.Errorf("not a multi-stage build (%d FROM lines)", len(stages))
	}
	if !sawDownload {
		t.Errorf("no RUN go mod download layer before the sources are copied")
	}
	if !sawGoBuild {
		t.Errorf("no RUN go build")
	}
	for _, m := range imageModules {
		if _, ok := copied[m]; !ok {
			t.Errorf("the %s module's sources are never copied (COPY %s/ %s/)", m, m, m)
		}
	}
	if _, ok := copied["go.work"]; !ok {
		t.Errorf("go.work is never copied")
	}
	if want := []string{"/usr/local/bin/" + binary}; !slices.Equal(img.entrypoint, want) {
		t.Errorf("ENTRYPOINT %q, want %q", img.entrypoint, want)
	}
	lastUser := ""
	for _, in := range ins {
		if in.cmd == "USER" {
			lastUser = in.args
		}
	}
	if lastUser == "" {
		t.Errorf("no USER: the image would run as root")
	}
	if img.env["KUBEMEDIC_LOG_FORMAT"] != "json" {
		t.Errorf("ENV KUBEMEDIC_LOG_FORMAT=%q, want json in containers", img.env["KUBEMEDIC_LOG_FORMAT"])
	}
	if img.env["KUBEMEDIC_ADMIN_ADDR"] == "" {
		t.Errorf("no ENV KUBEMEDIC_ADMIN_ADDR: the admin endpoint would listen on loopback only")
	}
	for k, v := range img.env {
		if !isAddrVar(k) {
			continue
		}
		host, port, err := net.SplitHostPort(v)
		if err != nil {
			t.Errorf("ENV %s=%s: %v", k, v, err)
			continue
		}
		if host != "0.0.0.0" {
			t.Errorf("ENV %s=%s: bind 0.0.0.0 inside a container", k, v)
		}
		if !slices.Contains(img.expose, port) {
			t.Errorf("ENV %s=%s but EXPOSE %v lacks port %s", k, v, img.expose, port)
		}
	}
	return img
}

// imageModules are the Go modules an image is built from; go.work's other
// module (test) is dropped in the builder.
var imageModules = []string{"proto", "services", "gateway", "bot"}

func isAddrVar(name string) bool {
	return strings.HasPrefix(name, "KUBEMEDIC_") && strings.HasSuffix(name, "_ADDR")
}

func checkGoBuild(t *testing.T, root, binary string, in instruction, gb goBuild, stageEnv map[string]string) {
	t.Helper()
	if cgo, ok := gb.env["CGO_ENABLED"]; ok {
		if cgo != "0" {
			t.Errorf("line %d: CGO_ENABLED=%s, want 0", in.line, cgo)
		}
	} else if stageEnv["CGO_ENABLED"] != "0" {
		t.Errorf("line %d: go build without CGO_ENABLED=0 (static binary for a minimal image)", in.line)
	}
	if _, ok := gb.flags["-trimpath"]; !ok {
		t.Errorf("line %d: go build without -trimpath", in.line)
	}
	if got := strings.Fields(gb.flags["-ldflags"]); !slices.Contains(got, "-s") || !slices.Contains(got, "-w") {
		t.Errorf("line %d: -ldflags=%q, want -s -w", in.line, gb.flags["-ldflags"])
	}
	if got, want := gb.flags["-o"], "/out/"+binary; got != want {
		t.Errorf("line %d: go build -o %q, want %q", in.line, got, want)
	}
	wantDir := binaries[binary]
	if got := "./" + wantDir; gb.pkg != got {
		t.Errorf("line %d: go build %q, want %q (the %s main package)", in.line, gb.pkg, got, binary)
		return
	}
	pkg, err := build.Default.ImportDir(filepath.Join(root, filepath.FromSlash(wantDir)), 0)
	switch {
	case err != nil:
		t.Errorf("line %d: go build %s: no Go package in %s yet: %v", in.line, gb.pkg, wantDir, err)
	case pkg.Name != "main":
		t.Errorf("line %d: go build %s: package %s is %q, not a main package", in.line, gb.pkg, wantDir, pkg.Name)
	}
}

// checkCopySources asserts that every COPY source exists in the build
// context and is not excluded by .dockerignore. A glob (the go.su[m] idiom
// for an optional file) may match nothing.
func checkCopySources(t *testing.T, root string, in instruction, sources []string, ignore []string) {
	t.Helper()
	for _, src := range sources {
		clean := strings.TrimSuffix(src, "/")
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(clean)))
		if err != nil {
			t.Errorf("line %d: COPY source %q: %v", in.line, src, err)
			continue
		}
		isGlob := strings.ContainsAny(clean, "*?[")
		if len(matches) == 0 && !isGlob {
			t.Errorf("line %d: COPY source %q does not exist in the repository", in.line, src)
		}
		if pat := dockerignored(ignore, clean); pat != "" && !isGlob {
			t.Errorf("line %d: COPY source %q is excluded by .dockerignore pattern %q", in.line, src, pat)
		}
	}
}

// readDockerignore returns the .dockerignore patterns.
func readDockerignore(t *testing.T, root string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatalf("reading .dockerignore: %v", err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// dockerignored returns the pattern that excludes p (or one of its parent
// directories), or "". Exception patterns (!) re-include.
func dockerignored(patterns []string, p string) string {
	hit := ""
	for _, pat := range patterns {
		neg := strings.HasPrefix(pat, "!")
		pat = strings.TrimPrefix(strings.TrimPrefix(pat, "!"), "/")
		if matchIgnore(pat, p) {
			if neg {
				hit = ""
			} else {
				hit = pat
			}
		}
	}
	return hit
}

func matchIgnore(pat, p string) bool {
	for cur := p; cur != "." && cur != "/" && cur != ""; cur = path.Dir(cur) {
		if ok, _ := path.Match(pat, cur); ok {
			return true
		}
		if rest, ok := strings.CutPrefix(pat, "**/"); ok {
			for sub := cur; ; {
				if ok, _ := path.Match(rest, sub); ok {
					return true
				}
				_, after, found := strings.Cut(sub, "/")
				if !found {
					break
				}
				sub = after
			}
		}
	}
	return false
}

func TestDockerignore(t *testing.T) {
	root := repoRoot(t)
	patterns := readDockerignore(t, root)
	for _, p := range []string{".git", ".cache", "bin"} {
		if dockerignored(patterns, p) == "" {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
	for _, p := range []string{"go.work", "go.work.sum", "services/go.mod", "platform/config/config.go", "bot/bot.go", "proto/go.mod"} {
		if pat := dockerignored(patterns, p); pat != "" {
			t.Errorf(".dockerignore pattern %q excludes %s, which the images need", pat, p)
		}
	}
}

func TestDockerignoreMatch(t *testing.T) {
	tests := []struct {
		patterns []string
		path     string
		want     string
	}{
		{[]string{".git"}, ".git/config", ".git"},
		{[]string{"bin"}, "bin", "bin"},
		{[]string{"bin"}, "services/bin", ""},
		{[]string{"**/*.test"}, "services/x/x.test", "**/*.test"},
		{[]string{"docs", "!docs/keep.md"}, "docs/keep.md", ""},
		{[]string{"/test"}, "test/go.mod", "test"},
	}
	for _, tt := range tests {
		if got := dockerignored(tt.patterns, tt.path); got != tt.want {
			t.Errorf("dockerignored(%q, %q) = %q, want %q", tt.patterns, tt.path, got, tt.want)
		}
	}
}

func TestDockerfiles(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "deploy", "docker", "*.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range files {
		found = append(found, strings.TrimSuffix(filepath.Base(f), ".Dockerfile"))
	}
	for b := range binaries {
		if !slices.Contains(found, b) {
			t.Errorf("deploy/docker/%s.Dockerfile is missing", b)
		}
	}
	for _, b := range found {
		if _, ok := binaries[b]; !ok {
			t.Errorf("deploy/docker/%s.Dockerfile builds no known kubemedic binary", b)
		}
	}
	for _, b := range found {
		if _, ok := binaries[b]; !ok {
			continue
		}
		t.Run(b, func(t *testing.T) { readImage(t, root, b) })
	}
}

// repoRoot is the directory holding go.work.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the working directory: run the test inside the kubemedic repository")
		}
		dir = parent
	}
}
