"""A district's synthetic twin (docs/twin.md): a fitted simulator (the generator's profile
estimated from suppressed aggregates) and a learned synthesizer (DataSynthesizer at the
student-year grain of the early-warning features), with fidelity, privacy and utility
measured against the district."""
