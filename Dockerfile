# Build
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY crates ./crates
COPY cards ./cards
COPY migrations ./migrations
# The production binary: without the demo and the Webex simulator.
RUN cargo build --release --locked --no-default-features

# Run
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home onboard
COPY --from=build /src/target/release/webex-onboard /usr/local/bin/webex-onboard
USER onboard
WORKDIR /data
ENV LISTEN_ADDR=0.0.0.0:8080 DATABASE_URL=sqlite:///data/webex-onboard.db
EXPOSE 8080
ENTRYPOINT ["webex-onboard"]
CMD ["serve"]
