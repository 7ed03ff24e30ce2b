# sockudo in a container (docs/deployment.md).
#   docker build -t sockudo .
#   docker run -p 6001:6001 -p 9601:9601 -e SOCKUDO_DEFAULT_APP_ID=... sockudo
# Configure with environment variables (docs/configuration.md) or a mounted file:
#   -v ./config.toml:/etc/sockudo/config.toml -e SOCKUDO_CONFIG=/etc/sockudo/config.toml

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# With the `aws` feature: the SQS queue, Lambda webhooks and the DynamoDB app store.
RUN cargo build --release --locked --features aws --bin sockudo \
    && strip target/release/sockudo

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/sockudo --create-home sockudo \
    && mkdir -p /etc/sockudo
COPY --from=build /src/target/release/sockudo /usr/local/bin/sockudo
COPY config/config.toml /etc/sockudo/config.example.toml
USER sockudo
WORKDIR /var/lib/sockudo
# The embedded SQLite app store lives in the working directory.
VOLUME ["/var/lib/sockudo"]
# Listen on every interface inside the container; the metrics listener too.
ENV HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0
EXPOSE 6001 9601
# GET /up answers 200 "OK" once the server listens. Plain bash: the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-6001} && printf 'GET /up HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/sockudo"]
CMD ["serve"]
