"""Pieces shared by the judge, VAE and DiT trainers: run scaffolding, export manifests, PNG output."""
