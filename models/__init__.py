"""Model supply chain: manifest, fetch through the package clients, verify, convert, cache, bundles."""
