# syntax=docker/dockerfile:1

# The production image: the bot built without the demo and the Webex simulator, on a runtime that
# has a C library and CA certificates and nothing else, run as an unprivileged user.
#
#   docker build -t webex-onboard .
#
# The dependencies are compiled in a layer of their own with cargo-chef. Its recipe holds the
# manifests and Cargo.lock without the code, so a change to the code rebuilds the bot alone. The
# layer is an ordinary image layer, which a registry cache (--cache-to, --cache-from) carries from
# one builder to another; BuildKit cache mounts would stay on the builder that filled them, and a
# fresh CI runner would compile every dependency again.

# The toolchain, pinned: the same in every build stage, or the cached dependencies do not match.
FROM rust:1.95.0-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.77 \
 && rm -rf /usr/local/cargo/registry
WORKDIR /src

# The recipe. Only what cargo reads to load the workspace: both members' manifests and sources
# (`cargo metadata` finds the simulator's targets from its files). The recipe itself changes only
# when the dependencies do, and then alone invalidates the layer below.
FROM chef AS planner
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY crates ./crates
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
# The SQLite database's folder, for the runtime below, which has no shell to make it.
RUN mkdir /data
COPY --from=planner /src/recipe.json recipe.json
# The dependencies, with the profile and features of the build below, or it would not reuse them.
# cook writes an empty file for every declared target, the integration tests' tests/api/main.rs
# among them, although tests/ is not in the build context; that target needs the `demo` feature,
# so neither build compiles it.
RUN cargo chef cook --release --locked --no-default-features --recipe-path recipe.json
# The bot: cards/ and migrations/ are compiled in (include_str!), and crates/ must be there for
# cargo to load the workspace, although this build leaves the simulator out.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY crates ./crates
COPY cards ./cards
COPY migrations ./migrations
COPY build.rs ./
# .git is not in the build context: `docker build --build-arg WEBEX_ONBOARD_COMMIT=$(git rev-parse --short=12 HEAD)`
# gives `--version` its commit.
ARG WEBEX_ONBOARD_COMMIT=
RUN WEBEX_ONBOARD_COMMIT="${WEBEX_ONBOARD_COMMIT}" cargo build --release --locked --no-default-features

# The runtime: glibc, libgcc and CA certificates (/etc/ssl/certs), no shell, no package manager;
# user nonroot, 65532. Debian 12, like the toolchain image, so the binary finds the glibc it was
# linked against.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/webex-onboard /usr/local/bin/webex-onboard
# The SQLite database's folder (the default DATABASE_URL below), which the bot must be able to
# write: a named volume mounted there starts with this owner.
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
WORKDIR /data
# METRICS_ADDR listens on every address of the container, or nothing outside it could scrape
# /metrics: publish 8080 alone (never -P), and scrape 9090 from the container's network.
ENV LISTEN_ADDR=0.0.0.0:8080 \
    METRICS_ADDR=0.0.0.0:9090 \
    DATABASE_URL=sqlite:///data/webex-onboard.db
# Webhooks.
EXPOSE 8080
# GET /metrics.
EXPOSE 9090
# Asks GET /readyz on LISTEN_ADDR over loopback: 0 when the bot answers 200 within 3 s, else 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --start-interval=2s --retries=3 \
    CMD ["/usr/local/bin/webex-onboard", "healthcheck"]
# At SIGTERM the bot stops taking webhooks, gives running jobs up to 7 s, hands back the rest and
# exits within 10 s. Docker kills after 10 s by default: give it 20 s (docker run --stop-timeout 20,
# docker stop -t 20, stop_grace_period: 20s in compose).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/webex-onboard"]
CMD ["serve"]
