def test_reserve_port(api_base_url, temp_port_registry):
    temp_port_registry["orders"] = 8080
    assert api_base_url.startswith("https://")
