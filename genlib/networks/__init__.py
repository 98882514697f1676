"""Generator and discriminator networks. Networks know nothing of losses."""
