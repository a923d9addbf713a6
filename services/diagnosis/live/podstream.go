package live

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// Pods are most of a large cluster's bytes. The typed client reads a whole
// LIST response into memory (growing the buffer as it goes) and then
// decodes it, so a 10,000-pod LIST holds the body two or three times over
// next to the decoded pods. listPods instead reads the protobuf response as
// a stream and decodes one pod at a time: the peak is the decoded pods plus
// one pod's bytes. When the server does not answer 200 with protobuf
// (errors, an old server) it falls back to the typed client, whose errors
// callers already understand.

// protobufMagic starts every Kubernetes protobuf response (see
// k8s.io/apimachinery/pkg/runtime/serializer/protobuf).
var protobufMagic = []byte{0x6b, 0x38, 0x73, 0x00}

const protobufType = "application/vnd.kubernetes.protobuf"

func listPods(ctx context.Context, c clients, ns string) ([]runtime.Object, error) {
	if rc, ok := c.cs.CoreV1().RESTClient().(*rest.RESTClient); ok && rc.Client != nil {
		u := rc.Get().Namespace(ns).Resource("pods").VersionedParams(&opts, scheme.ParameterCodec).URL()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", protobufType)
		resp, err := rc.Client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == protobufType {
			defer resp.Body.Close()
			pods, err := decodePods(bufio.NewReaderSize(resp.Body, 64<<10))
			if err != nil {
				return nil, fmt.Errorf("decode pods: %w", err)
			}
			return pods, nil
		}
		resp.Body.Close()
	}
	l, err := c.cs.CoreV1().Pods(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	return objects(l.Items), nil
}

// decodePods reads a protobuf-encoded PodList envelope: the magic, then a
// runtime.Unknown whose field 2 (raw) is the PodList, whose field 2 repeats
// the pods. Managed fields are dropped as each pod is decoded.
func decodePods(r *bufio.Reader) ([]runtime.Object, error) {
	magic := make([]byte, len(protobufMagic))
	if _, err := io.ReadFull(r, magic); err != nil {
		return nil, err
	}
	if !bytes.Equal(magic, protobufMagic) {
		return nil, errors.New("not a Kubernetes protobuf response")
	}
	var (
		pods []runtime.Object
		buf  []byte
		seen bool
	)
	for {
		num, typ, err := readTag(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if num != 2 || typ != protowire.BytesType { // typeMeta, contentEncoding, contentType
			if err := skip(r, typ); err != nil {
				return nil, err
			}
			continue
		}
		total, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		seen = true
		size := int64(total)
		for size > 0 { // the PodList
			num, typ, n, err := readTagCounted(r)
			if err != nil {
				return nil, err
			}
			size -= int64(n)
			if typ != protowire.BytesType {
				m, err := skipCounted(r, typ)
				if err != nil {
					return nil, err
				}
				size -= int64(m)
				continue
			}
			l, m, err := readUvarintCounted(r)
			if err != nil {
				return nil, err
			}
			size -= int64(m) + int64(l)
			if size < 0 || l > 1<<30 {
				return nil, errors.New("a PodList field runs past the list")
			}
			if num != 2 { // metadata
				if _, err := r.Discard(int(l)); err != nil {
					return nil, err
				}
				continue
			}
			if uint64(cap(buf)) < l {
				buf = make([]byte, l)
			}
			b := buf[:l]
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, err
			}
			p := &corev1.Pod{}
			if err := p.Unmarshal(b); err != nil {
				return nil, err
			}
			p.ManagedFields = nil
			pods = append(pods, p)
		}
		if size != 0 {
			return nil, errors.New("a PodList field runs past the list")
		}
	}
	if !seen {
		return nil, errors.New("no PodList in the response")
	}
	return pods, nil
}

func readTag(r *bufio.Reader) (protowire.Number, protowire.Type, error) {
	num, typ, _, err := readTagCounted(r)
	return num, typ, err
}

func readTagCounted(r *bufio.Reader) (protowire.Number, protowire.Type, int, error) {
	v, n, err := readUvarintCounted(r)
	if err != nil {
		return 0, 0, n, err
	}
	num, typ := protowire.DecodeTag(v)
	if num <= 0 {
		return 0, 0, n, fmt.Errorf("invalid field number %d", num)
	}
	return num, typ, n, nil
}

// readUvarintCounted reads a varint and says how many bytes it took.
func readUvarintCounted(r *bufio.Reader) (uint64, int, error) {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, i, err
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, binary.MaxVarintLen64, errors.New("varint overflows 64 bits")
}

func skip(r *bufio.Reader, typ protowire.Type) error {
	_, err := skipCounted(r, typ)
	return err
}

// skipCounted skips one value of wire type typ and returns its length.
func skipCounted(r *bufio.Reader, typ protowire.Type) (int, error) {
	switch typ {
	case protowire.VarintType:
		_, n, err := readUvarintCounted(r)
		return n, err
	case protowire.Fixed32Type:
		return r.Discard(4)
	case protowire.Fixed64Type:
		return r.Discard(8)
	case protowire.BytesType:
		l, n, err := readUvarintCounted(r)
		if err != nil {
			return n, err
		}
		m, err := r.Discard(int(l))
		return n + m, err
	}
	return 0, fmt.Errorf("unsupported wire type %d", typ)
}
