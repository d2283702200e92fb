//! GitLab raw job trace parser (in progress).
