"""Example applications that use Signet the way a website would."""
