# Build stage: the release binary only.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p filmroom-cli --bin filmroom

# Runtime stage: a small Debian with CA certificates for S3 over HTTPS.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/filmroom --create-home filmroom
COPY --from=build /src/target/release/filmroom /usr/local/bin/filmroom
USER filmroom
WORKDIR /var/lib/filmroom
ENV FILMROOM_LISTEN=0.0.0.0:8080 \
    FILMROOM_DATA_DIR=/var/lib/filmroom \
    FILMROOM_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["filmroom"]
CMD ["serve"]
