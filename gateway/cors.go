package gateway

import (
	"net/http"
	"time"

	"github.com/rs/cors"
)

// corsHandler lets browsers of the allowed origins call the API with
// gRPC-Web and Connect: the methods and headers are those connectrpc.com/cors
// lists (that module is not served here, so they are written out).
func corsHandler(origins []string, maxAge time.Duration, next http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{
			"Authorization",
			"Content-Type", "Connect-Protocol-Version", "Connect-Timeout-Ms",
			"Connect-Accept-Encoding", "Connect-Content-Encoding", "Content-Encoding",
			"Grpc-Timeout", "X-Grpc-Web", "X-User-Agent",
		},
		ExposedHeaders: []string{
			"Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin",
			"Content-Encoding", "Connect-Content-Encoding", "Retry-After",
		},
		MaxAge: int(maxAge.Seconds()),
	}).Handler(next)
}
