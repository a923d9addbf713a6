package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kubemedic/kubemedic/bot/naming"
)

// Slack's request signing headers.
const (
	headerSignature = "X-Slack-Signature"
	headerTimestamp = "X-Slack-Request-Timestamp"
	headerRetryNum  = "X-Slack-Retry-Num"
	headerRetryWhy  = "X-Slack-Retry-Reason"
)

// verify checks a request's signature headers against its raw body.
func verify(secret string, now time.Time, h http.Header, body []byte) error {
	sig, ts := h.Get(headerSignature), h.Get(headerTimestamp)
	if sig == "" || ts == "" {
		return fmt.Errorf("missing %s or %s header: requests must come from Slack", headerSignature, headerTimestamp)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%s %s is not a Unix time in seconds", headerTimestamp, naming.Quote(ts))
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > maxClockSkew || skew < -maxClockSkew {
		return fmt.Errorf("%s is %s away from now (more than %s): refusing a possible replay; check this host's clock", headerTimestamp, skew.Round(time.Second), maxClockSkew)
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return fmt.Errorf("%s has an unsupported version (want v0=...)", headerSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%s is not hex", headerSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":")) // the header exactly as sent, as Slack signs it
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("signature does not match: the request was not signed with this app's signing secret")
	}
	return nil
}

// verified reads the body (at most maxBodyBytes), verifies the Slack
// signature and only then calls next with the raw body.
func (b *Bot) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				b.log.Warn("slack request refused: body too large", "path", r.URL.Path, "remote", r.RemoteAddr, "limit", maxBodyBytes)
				http.Error(w, fmt.Sprintf("request body larger than %d bytes", maxBodyBytes), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := verify(b.secret, b.now(), r.Header, body); err != nil {
			b.log.Warn("slack request refused: verification failed", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
			http.Error(w, "slack request verification failed: "+err.Error(), http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}
