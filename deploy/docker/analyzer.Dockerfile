#
# analyzer: turns collected events into findings, answers knowledge questions and
# runs fleet sweeps.
#
# Build from the repository root:
#   docker build -f deploy/docker/analyzer.Dockerfile -t kubemedic/analyzer:dev .

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ENV GOTOOLCHAIN=local CGO_ENABLED=0
WORKDIR /src

# Module files first so the dependency download stays cached until a go.mod
# or go.sum changes. The test module (real-cluster harness) is never part of
# an image, so it is dropped from the workspace.
COPY go.work go.work.su[m] ./
COPY proto/go.mod proto/go.su[m] proto/
COPY services/go.mod services/go.su[m] services/
COPY platform/go.mod platform/go.su[m] platform/
COPY gateway/go.mod gateway/go.su[m] gateway/
COPY bot/go.mod bot/go.su[m] bot/
RUN go work edit -dropuse=./test
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY proto/ proto/
COPY services/ services/
COPY platform/ platform/
COPY gateway/ gateway/
COPY bot/ bot/

ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/analyzer ./services/cmd/analyzer

FROM alpine:3.22
RUN addgroup -S -g 65532 kubemedic \
 && adduser -S -D -H -u 65532 -G kubemedic -h /var/lib/kubemedic kubemedic \
 && install -d -o 65532 -g 65532 -m 0750 /var/lib/kubemedic
COPY --from=build /out/analyzer /usr/local/bin/analyzer
ENV KUBEMEDIC_LOG_FORMAT=json \
    KUBEMEDIC_DATA_DIR=/var/lib/kubemedic \
    KUBEMEDIC_ADMIN_ADDR=0.0.0.0:7071
USER 65532:65532
WORKDIR /var/lib/kubemedic
EXPOSE 7071
ENTRYPOINT ["/usr/local/bin/analyzer"]
