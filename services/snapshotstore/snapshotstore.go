// Package snapshotstore moves whole-cluster snapshots through the JetStream
// Object Store, for state larger than a NATS message (1 MB by default): a
// remote analyzer's initial sync, or `kubemedic diagnose --server` fetching
// what the server sees.
//
// A snapshot is a gzip-compressed Kubernetes List (JSON, the shape `kubectl
// get -o json` prints) of typed objects with apiVersion and kind set. It is
// stored in the bucket kubemedic-snapshots under the cluster's name; the Object
// Store chunks it, so any size fits. Put streams the encoding into the store
// (the encoded bytes are never held whole); Get holds the decompressed JSON
// while it decodes the items.
package snapshotstore

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kubemedic/kubemedic/services/jsretry"
)

// Bucket is the object store bucket of snapshots.
const Bucket = "kubemedic-snapshots"

// chunkSize is the Object Store's default chunk size.
const chunkSize = 128 << 10

// Open creates the bucket if needed.
func Open(ctx context.Context, js jetstream.JetStream) (jetstream.ObjectStore, error) {
	s, err := jsretry.Do(ctx, "object store "+Bucket, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      Bucket,
			Description: "kubemedic whole-cluster snapshots (gzip JSON List)",
			Storage:     jetstream.FileStorage,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("snapshotstore: opening bucket %s: %w", Bucket, err)
	}
	return s, nil
}

// Put stores objs as the snapshot of cluster, replacing the previous one.
// Every object must have apiVersion and kind set.
func Put(ctx context.Context, store jetstream.ObjectStore, cluster string, objs []runtime.Object) (*jetstream.ObjectInfo, error) {
	pr, pw := io.Pipe()
	go func() {
		// Buffered so the store's reads see whole chunks, not gzip's small
		// writes (one chunk message per write otherwise).
		bw := bufio.NewWriterSize(pw, chunkSize)
		err := encode(bw, objs)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	info, err := store.Put(ctx, jetstream.ObjectMeta{
		Name:        cluster,
		Description: fmt.Sprintf("snapshot of cluster %s: %d objects", cluster, len(objs)),
		Headers:     map[string][]string{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}},
	}, pr)
	_ = pr.CloseWithError(err) // stops the encoder if Put gave up
	if err != nil {
		return nil, fmt.Errorf("snapshotstore: storing snapshot of %s: %w", cluster, err)
	}
	return info, nil
}

func encode(w io.Writer, objs []runtime.Object) error {
	zw := gzip.NewWriter(w)
	if _, err := io.WriteString(zw, `{"apiVersion":"v1","kind":"List","items":[`); err != nil {
		return err
	}
	enc := json.NewEncoder(zw)
	for i, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Kind == "" {
			return fmt.Errorf("snapshotstore: object %d (%T) has no kind", i, o)
		}
		if i > 0 {
			if _, err := io.WriteString(zw, ","); err != nil {
				return err
			}
		}
		if err := enc.Encode(o); err != nil {
			return fmt.Errorf("snapshotstore: encoding object %d: %w", i, err)
		}
	}
	if _, err := io.WriteString(zw, "]}"); err != nil {
		return err
	}
	return zw.Close()
}

// ErrNotFound is returned by Get when the cluster has no snapshot.
var ErrNotFound = errors.New("snapshotstore: no snapshot")

// Get reads the snapshot of cluster. Items of kinds the client-go scheme does
// not know are reported as an error naming them.
func Get(ctx context.Context, store jetstream.ObjectStore, cluster string) ([]runtime.Object, error) {
	r, err := store.Get(ctx, cluster)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w of cluster %s", ErrNotFound, cluster)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshotstore: reading snapshot of %s: %w", cluster, err)
	}
	defer r.Close()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("snapshotstore: snapshot of %s: %w", cluster, err)
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(zr).Decode(&list); err != nil {
		return nil, fmt.Errorf("snapshotstore: decoding snapshot of %s: %w", cluster, err)
	}
	dec := scheme.Codecs.UniversalDeserializer()
	out := make([]runtime.Object, 0, len(list.Items))
	for i, raw := range list.Items {
		obj, _, err := dec.Decode(raw, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("snapshotstore: snapshot of %s, item %d: %w", cluster, i, err)
		}
		out = append(out, obj)
	}
	return out, nil
}
