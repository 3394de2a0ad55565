"""Diffusion transformer of kineo-mini (rectified flow over VAE latents), its trainer and ONNX export."""
