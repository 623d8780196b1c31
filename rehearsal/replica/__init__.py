"""The replica of the production server: container engine, images, compose files, SSH host."""
