from tests.ha.sentinel import sentinel_deployment  # noqa: F401 (fixture)
