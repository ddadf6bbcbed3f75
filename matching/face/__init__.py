"""Face detection, alignment and embedding with models that ship in registry packages."""
