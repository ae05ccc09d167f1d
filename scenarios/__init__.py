"""The scenario library (TOML files), installed as ``backbone.scenarios``."""

if __name__ != "backbone.scenarios":   # the folder imported by its own name, from a checkout:
    try:                                # be backbone.scenarios itself (backbone/__init__.py)
        import backbone as _backbone
        _backbone._adopt(__name__, __file__)
    except ImportError:
        pass
