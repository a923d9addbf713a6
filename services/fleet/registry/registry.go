// Package registry is the list of clusters kubemedic sweeps: the clusters of
// the configuration file plus the clusters registered through the API, which
// live in a JetStream key-value bucket so every replica sees the same list.
//
// The model: a cluster is a config.Cluster (name, provider, labels and one
// credential source: kubeconfig file, in-cluster service account or a
// kubeconfig held in a Kubernetes Secret). Configured clusters are fixed for
// the life of the process and cannot be replaced through the API; registered
// clusters can be added, replaced and removed at any time. Select picks
// clusters with a Kubernetes label selector ("env=prod,team!=data"); every
// cluster carries a provider label taken from its Provider field.
package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubemedic/kubemedic/platform/config"
	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Bucket is the JetStream KV bucket holding API-registered clusters.
const Bucket = "kubemedic-clusters"

// ProviderLabel is the label every cluster carries with its provider.
const ProviderLabel = "provider"

// ErrNotFound is returned for a cluster that is not registered.
var ErrNotFound = errors.New("cluster not found")

// ErrInvalid wraps every validation error (bad name, credentials, labels,
// selector).
var ErrInvalid = errors.New("invalid")

// invalid marks an error as ErrInvalid without changing its text.
type invalid struct{ error }

func (e invalid) Is(target error) bool { return target == ErrInvalid }
func (e invalid) Unwrap() error        { return e.error }

// ErrConfigured is returned when the API tries to replace or remove a
// cluster of the configuration file.
var ErrConfigured = errors.New("cluster comes from the configuration file")

// Options configures New.
type Options struct {
	// Configured are the clusters of the configuration file. Default none.
	Configured []config.Cluster
	// JetStream holds the bucket of API-registered clusters. Required.
	JetStream jetstream.JetStream
	// Replicas is the bucket's replica count (3 on a NATS cluster).
	// Default 1.
	Replicas int
}

// Registry is the cluster list. Safe for concurrent use.
type Registry struct {
	configured map[string]config.Cluster
	kv         jetstream.KeyValue
}

// New opens (creating when missing) the bucket and checks the configured
// clusters.
func New(ctx context.Context, o Options) (*Registry, error) {
	if o.JetStream == nil {
		return nil, errors.New("registry: Options.JetStream is required")
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	r := &Registry{configured: map[string]config.Cluster{}}
	for _, c := range o.Configured {
		if err := Validate(c); err != nil {
			return nil, fmt.Errorf("registry: configured cluster: %w", err)
		}
		r.configured[c.Name] = withProviderLabel(c)
	}
	kv, err := jsretry.Do(ctx, "bucket "+Bucket, func(ctx context.Context) (jetstream.KeyValue, error) {
		return o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      Bucket,
			Description: "clusters registered through the kubemedic API",
			History:     1,
			Replicas:    o.Replicas,
			Storage:     jetstream.FileStorage,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("registry: opening bucket %s: %w", Bucket, err)
	}
	r.kv = kv
	return r, nil
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,63}$`)

// Validate checks a cluster's name, provider and credential source.
func Validate(c config.Cluster) error {
	var errs []error
	if !namePattern.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("cluster name %q: use 1 to 63 letters, digits, '.', '-' or '_'", c.Name))
	}
	switch c.Provider {
	case "", "generic", "tke", "aks", "nks":
	default:
		errs = append(errs, fmt.Errorf("cluster %s: provider %q: want generic, tke, aks or nks", c.Name, c.Provider))
	}
	n := 0
	for _, set := range []bool{c.Kubeconfig != "", c.InCluster, c.Secret != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		errs = append(errs, fmt.Errorf("cluster %s: set exactly one credential source: kubeconfig file, in-cluster or Secret", c.Name))
	}
	if s := c.Secret; s != nil && (s.Namespace == "" || s.Name == "") {
		errs = append(errs, fmt.Errorf("cluster %s: the Secret reference needs a namespace and a name", c.Name))
	}
	for k, v := range c.Labels {
		if err := labelError(k, v); err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", c.Name, err))
		}
	}
	if len(errs) > 0 {
		return invalid{errors.Join(errs...)}
	}
	return nil
}

func labelError(k, v string) error {
	_, err := labels.ValidatedSelectorFromSet(labels.Set{k: v})
	if err != nil {
		return fmt.Errorf("label %s=%s: %w", k, v, err)
	}
	return nil
}

func withProviderLabel(c config.Cluster) config.Cluster {
	if c.Provider == "" {
		c.Provider = "generic"
	}
	l := maps.Clone(c.Labels)
	if l == nil {
		l = map[string]string{}
	}
	if _, ok := l[ProviderLabel]; !ok {
		l[ProviderLabel] = c.Provider
	}
	c.Labels = l
	return c
}

// List returns every cluster, in name order.
func (r *Registry) List(ctx context.Context) ([]config.Cluster, error) {
	all := maps.Clone(r.configured)
	keys, err := r.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("registry: listing registered clusters: %w", err)
	}
	var names []string
	for k := range keys.Keys() {
		names = append(names, k)
	}
	for _, name := range names {
		c, err := r.registered(ctx, name)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		if _, ok := all[name]; !ok {
			all[name] = c
		}
	}
	return slices.SortedFunc(maps.Values(all), func(a, b config.Cluster) int { return strings.Compare(a.Name, b.Name) }), nil
}

// Registered lists the clusters registered through the API, in name order,
// reading the bucket without creating or changing it: for processes that
// show clusters but do not manage them (the collector). It returns none
// when nothing was ever registered (no bucket yet).
func Registered(ctx context.Context, js jetstream.JetStream) ([]config.Cluster, error) {
	kv, err := js.KeyValue(ctx, Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registry: opening bucket %s: %w", Bucket, err)
	}
	r := &Registry{configured: map[string]config.Cluster{}, kv: kv}
	return r.List(ctx)
}

// Get returns one cluster.
func (r *Registry) Get(ctx context.Context, name string) (config.Cluster, error) {
	if c, ok := r.configured[name]; ok {
		return c, nil
	}
	return r.registered(ctx, name)
}

func (r *Registry) registered(ctx context.Context, name string) (config.Cluster, error) {
	if !namePattern.MatchString(name) {
		return config.Cluster{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	e, err := r.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return config.Cluster{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if err != nil {
		return config.Cluster{}, fmt.Errorf("registry: reading cluster %s: %w", name, err)
	}
	var c config.Cluster
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return config.Cluster{}, fmt.Errorf("registry: cluster %s is stored corrupt: %w", name, err)
	}
	return c, nil
}

// Select returns the clusters matching a label selector ("" matches every
// cluster), in name order.
func (r *Registry) Select(ctx context.Context, selector string) ([]config.Cluster, error) {
	sel, err := ParseSelector(selector)
	if err != nil {
		return nil, err
	}
	all, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c config.Cluster) bool { return !sel.Matches(labels.Set(c.Labels)) }), nil
}

// ParseSelector parses a label selector; the error says what is wrong in
// Korean and English.
func ParseSelector(s string) (labels.Selector, error) {
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, invalid{fmt.Errorf("레이블 셀렉터 %q를 해석할 수 없습니다 (invalid label selector, e.g. env=prod,team!=data): %w", s, err)}
	}
	return sel, nil
}

// Register adds or replaces an API-registered cluster and returns it as
// stored (with the provider label).
func (r *Registry) Register(ctx context.Context, c config.Cluster) (config.Cluster, error) {
	if err := Validate(c); err != nil {
		return config.Cluster{}, err
	}
	if _, ok := r.configured[c.Name]; ok {
		return config.Cluster{}, fmt.Errorf("%w: %s (edit the file instead)", ErrConfigured, c.Name)
	}
	c = withProviderLabel(c)
	if c.Secret != nil && c.Secret.Key == "" {
		c.Secret.Key = "kubeconfig"
	}
	b, err := json.Marshal(c)
	if err != nil {
		return config.Cluster{}, err
	}
	if _, err := r.kv.Put(ctx, c.Name, b); err != nil {
		return config.Cluster{}, fmt.Errorf("registry: storing cluster %s: %w", c.Name, err)
	}
	return c, nil
}

// Deregister removes an API-registered cluster.
func (r *Registry) Deregister(ctx context.Context, name string) error {
	if _, ok := r.configured[name]; ok {
		return fmt.Errorf("%w: %s (edit the file instead)", ErrConfigured, name)
	}
	if _, err := r.registered(ctx, name); err != nil {
		return err
	}
	if err := r.kv.Delete(ctx, name); err != nil {
		return fmt.Errorf("registry: removing cluster %s: %w", name, err)
	}
	return nil
}
