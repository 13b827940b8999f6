"""The Connections page: saved connections and their editors; secrets go to the keyring."""
