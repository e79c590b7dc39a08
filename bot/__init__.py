"""claimdesk: extracts figures and quotes from news feeds and alerts newsroom teams to new and conflicting claims."""

__version__ = "0.1.0"
