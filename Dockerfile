# goattrib beside Go, for GitLab jobs: `docker build -t registry.example.com/tools/go-goattrib:1.27 .`
# Builder and runtime are both Debian bookworm, so the binary's glibc needs (see the README)
# are met by the image it runs in.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# --locked: the Cargo.lock that was tested. The git revision comes from build.rs when .git
# is in the build context, else `--version` prints the bare version.
RUN cargo build --release --locked && strip target/release/goattrib

FROM golang:1.27-bookworm
COPY --from=build /src/target/release/goattrib /usr/local/bin/goattrib
RUN goattrib --version
