def test_manifest_makes_the_app_installable(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["short_name"] == "밀버디"
    assert data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_served_from_root_scope(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert "OFFLINE_URL" in response.content.decode()


def test_offline_page_is_korean(client, db):
    response = client.get("/offline/")
    assert response.status_code == 200
    assert "인터넷에 연결되어 있지 않아요" in response.content.decode()
