package controlplane

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Versions pinned by the build modules under bin/. Changing one means changing
// the matching go.mod; the cache key includes both go.sum files, so a stale
// cache is never reused.
const (
	KubernetesVersion = "v1.33.4"
	EtcdVersion       = "v3.5.21"
	KwokVersion       = "v0.8.0"
)

// Binaries are the paths of the built component binaries.
type Binaries struct {
	Dir               string
	Etcd              string
	APIServer         string
	ControllerManager string
	Scheduler         string
	Kwok              string
	// KwokManifests holds kwok's Stage CRD (crd/) and stage sets (stage/),
	// copied from the kwok module at build time.
	KwokManifests string
}

// binariesIn returns the binary paths inside a cache directory.
func binariesIn(dir string) Binaries {
	return Binaries{
		Dir:               dir,
		Etcd:              filepath.Join(dir, "etcd"),
		APIServer:         filepath.Join(dir, "kube-apiserver"),
		ControllerManager: filepath.Join(dir, "kube-controller-manager"),
		Scheduler:         filepath.Join(dir, "kube-scheduler"),
		Kwok:              filepath.Join(dir, "kwok"),
		KwokManifests:     filepath.Join(dir, "kwok-manifests"),
	}
}

// completeMarker exists in a cache directory once every binary is in place.
const completeMarker = ".complete"

// RepoRoot finds the kubemedic repository: the nearest directory above the
// working directory holding test/controlplane/bin, or else the one this source
// file was compiled from. KUBEMEDIC_REPO overrides both.
func RepoRoot() (string, error) {
	if dir := os.Getenv("KUBEMEDIC_REPO"); dir != "" {
		return dir, nil
	}
	marker := filepath.Join("test", "controlplane", "bin", "kube", "go.mod")
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Join(filepath.Dir(file), "..", "..")
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			return filepath.Clean(dir), nil
		}
	}
	return "", errors.New("cannot find the kubemedic repository (looked for test/controlplane/bin above the working directory); set KUBEMEDIC_REPO")
}

// DefaultCacheDir is <repo>/.cache, or KUBEMEDIC_CACHE_DIR when set.
func DefaultCacheDir() (string, error) {
	if dir := os.Getenv("KUBEMEDIC_CACHE_DIR"); dir != "" {
		return dir, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".cache"), nil
}

// Build returns the component binaries, compiling them into
// <cacheDir>/bin/<key> first if that folder is not complete yet. The key names
// the pinned versions plus a hash of the build modules, so a version bump
// builds afresh and an unchanged tree reuses the cache. Concurrent callers (for
// example several test binaries) are serialized with a file lock; only one
// builds. Progress goes to log.
func Build(ctx context.Context, cacheDir string, log io.Writer) (Binaries, error) {
	if log == nil {
		log = io.Discard
	}
	root, err := RepoRoot()
	if err != nil {
		return Binaries{}, err
	}
	kubeMod := filepath.Join(root, "test", "controlplane", "bin", "kube")
	kwokMod := filepath.Join(root, "test", "controlplane", "bin", "kwok")
	key, err := cacheKey(kubeMod, kwokMod)
	if err != nil {
		return Binaries{}, err
	}
	binRoot := filepath.Join(cacheDir, "bin")
	dir := filepath.Join(binRoot, key)
	bins := binariesIn(dir)
	if complete(dir) {
		return bins, nil
	}
	if err := os.MkdirAll(binRoot, 0o755); err != nil {
		return Binaries{}, fmt.Errorf("create binary cache %s: %w", binRoot, err)
	}
	unlock, err := lockFile(ctx, filepath.Join(binRoot, ".lock"))
	if err != nil {
		return Binaries{}, err
	}
	defer unlock()
	if complete(dir) { // built by someone else while we waited
		return bins, nil
	}

	goBin, err := goTool()
	if err != nil {
		return Binaries{}, err
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return Binaries{}, fmt.Errorf("clean %s: %w", tmp, err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return Binaries{}, fmt.Errorf("create %s: %w", tmp, err)
	}
	fmt.Fprintf(log, "building control-plane binaries (kubernetes %s, etcd %s, kwok %s) into %s; the first build takes several minutes\n",
		KubernetesVersion, EtcdVersion, KwokVersion, dir)
	start := time.Now()

	versionFlags := strings.Join([]string{
		"-s", "-w",
		"-X k8s.io/component-base/version.gitVersion=" + KubernetesVersion,
		"-X k8s.io/component-base/version.gitMajor=1",
		"-X k8s.io/component-base/version.gitMinor=" + minorOf(KubernetesVersion),
		"-X k8s.io/component-base/version.gitTreeState=clean",
	}, " ")
	jobs := []buildJob{
		{dir: kubeMod, ldflags: versionFlags, pkgs: []string{
			"./etcd",
			"k8s.io/kubernetes/cmd/kube-apiserver",
			"k8s.io/kubernetes/cmd/kube-controller-manager",
			"k8s.io/kubernetes/cmd/kube-scheduler",
		}},
		{dir: kwokMod, ldflags: "-s -w", pkgs: []string{"sigs.k8s.io/kwok/cmd/kwok"}},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job.run(ctx, goBin, tmp)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Binaries{}, err
	}
	if err := copyKwokManifests(ctx, goBin, kwokMod, filepath.Join(tmp, "kwok-manifests")); err != nil {
		return Binaries{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return Binaries{}, fmt.Errorf("mark build complete: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return Binaries{}, fmt.Errorf("replace %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return Binaries{}, fmt.Errorf("move built binaries into %s: %w", dir, err)
	}
	fmt.Fprintf(log, "built control-plane binaries in %s\n", time.Since(start).Round(time.Second))
	return bins, nil
}

type buildJob struct {
	dir     string
	ldflags string
	pkgs    []string
}

func (j buildJob) run(ctx context.Context, goBin, out string) error {
	args := append([]string{"build", "-trimpath", "-ldflags=" + j.ldflags, "-o", out + string(filepath.Separator)}, j.pkgs...)
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = j.dir
	cmd.Env = goEnv()
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s in %s: %w\n%s", strings.Join(j.pkgs, " "), j.dir, err, buf.String())
	}
	return nil
}

// goEnv is the environment for building the out-of-workspace modules with the
// local toolchain only.
func goEnv() []string {
	env := make([]string, 0, len(os.Environ())+3)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOWORK=") || strings.HasPrefix(kv, "GOTOOLCHAIN=") || strings.HasPrefix(kv, "GOFLAGS=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly -buildvcs=false")
}

// copyKwokManifests copies kwok's kustomize/crd and kustomize/stage folders out
// of the module cache, so starting a cluster needs no Go toolchain.
func copyKwokManifests(ctx context.Context, goBin, kwokMod, dst string) error {
	cmd := exec.CommandContext(ctx, goBin, "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok")
	cmd.Dir = kwokMod
	cmd.Env = goEnv()
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("locate the kwok module: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "kustomize")
	for _, sub := range []string{"crd", "stage"} {
		if err := copyTree(filepath.Join(src, sub), filepath.Join(dst, sub)); err != nil {
			return fmt.Errorf("copy kwok %s manifests: %w", sub, err)
		}
	}
	return nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// cacheKey names a cache folder after the pinned versions and a hash of the
// build modules' files.
func cacheKey(mods ...string) (string, error) {
	h := sha256.New()
	for _, mod := range mods {
		for _, name := range []string{"go.mod", "go.sum", filepath.Join("etcd", "main.go")} {
			data, err := os.ReadFile(filepath.Join(mod, name))
			if errors.Is(err, fs.ErrNotExist) && name != "go.mod" {
				continue
			}
			if err != nil {
				return "", fmt.Errorf("read build module: %w", err)
			}
			fmt.Fprintf(h, "%s/%s\n", filepath.Base(mod), name)
			h.Write(data)
		}
	}
	return fmt.Sprintf("k8s-%s_etcd-%s_kwok-%s_%s", KubernetesVersion, EtcdVersion, KwokVersion, hex.EncodeToString(h.Sum(nil))[:12]), nil
}

func complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, completeMarker))
	return err == nil
}

// goTool finds the go command: GOROOT/bin/go of the running toolchain when it
// exists, else go on PATH.
func goTool() (string, error) {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); isFile(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if p := "/usr/local/go/bin/go"; isFile(p) {
		return p, nil
	}
	return "", errors.New("the go command is needed to build the control-plane binaries but is not on PATH")
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// lockFile takes an exclusive flock on path, polling so ctx can cancel.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for build lock %s: %w", path, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// minorOf returns "33" for "v1.33.4".
func minorOf(version string) string {
	parts := strings.Split(strings.TrimPrefix(version, "v"), ".")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}
