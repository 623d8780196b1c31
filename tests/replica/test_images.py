"""The replica's images: they exist with their labels, the cache holds, and the mongo stand-in's tools honour
the documented flags and semantics of mongodump/mongorestore (round trips through a pipe and `docker exec -i`,
renames, the URI's database as an include filter, --drop, exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time

import pytest

from rehearsal.replica import images
from rehearsal.replica.dockerd import docker_env

LOCAL = "mongodb://127.0.0.1:27017"


def docker(*args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], input=input, capture_output=True, timeout=timeout, env=docker_env())


class Box:
    """A container of the mongo stand-in image, started with the real compose file's mongod flags."""

    def __init__(self, name: str) -> None:
        self.name = name

    def sh(self, script: str, input: bytes | None = None) -> subprocess.CompletedProcess:
        return docker("exec", "-i", self.name, "sh", "-c", script, input=input)

    def ok(self, script: str, input: bytes | None = None) -> bytes:
        result = self.sh(script, input)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout

    def py(self, code: str) -> object:
        """Run Python (pymongo) in the container; the code sets `out`, returned through JSON."""
        script = (f"import json, pymongo\nc = pymongo.MongoClient('{LOCAL}/?directConnection=true')\n"
                  f"{textwrap.dedent(code)}\nprint(json.dumps(out))")
        result = docker("exec", "-i", self.name, "python3", "-", input=script.encode())
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)

    def seed(self, db: str) -> None:
        self.py(f"""
            d = c['{db}']
            d.users.insert_many([{{'_id': i, 'email': f'u{{i}}@x', 'n': i, 'tags': ['a', i]}} for i in range(1500)])
            d.users.create_index('email', unique=True, name='email_1')
            d.messages.insert_many([{{'text': 'hello', 'k': i % 7, 'at': i}} for i in range(700)])
            d.messages.create_index([('k', 1), ('at', -1)], name='k_at')
            d.create_collection('empty')
            out = None""")

    def state(self, db: str) -> dict:
        """Per collection: sorted documents (as JSON) and index specs."""
        return self.py(f"""
            from bson import json_util
            d = c['{db}']
            out = {{n: {{'docs': sorted(json_util.dumps(x, sort_keys=True) for x in d[n].find()),
                        'indexes': sorted(json_util.dumps({{k: v for k, v in i.items() if k != 'ns'}}, sort_keys=True)
                                          for i in d[n].list_indexes())}}
                   for n in d.list_collection_names()}}""")  # type: ignore[return-value]


@pytest.fixture(scope="module")
def box(replica_images):
    name = f"meeshy-test-mongo-{os.getpid()}"
    docker("rm", "-f", name)
    started = docker("run", "-d", "--rm", "--network", "none", "--name", name, images.MONGO,
                     "mongod", "--replSet", "rs0", "--bind_ip_all", "--noauth")
    assert started.returncode == 0, started.stderr.decode()
    end = time.monotonic() + 20
    while docker("exec", name, "mongo-ping").returncode:
        assert time.monotonic() < end, docker("logs", name).stderr.decode()[-2000:]
        time.sleep(0.1)
    b = Box(name)
    b.seed("src")
    yield b
    docker("rm", "-f", name)


def test_every_image_exists_with_its_labels(replica_images):
    names = [images.ROOTFS, *(spec.name for spec in images.specs())]
    assert set(names) <= set(replica_images)
    for name in names:
        config = json.loads(docker("image", "inspect", "--format", "{{json .Config}}", name).stdout)
        assert len(config["Labels"][images.INPUTS_LABEL]) == 64, name
    for revision, data in images.APP_DATA.items():
        for service in images.APP_PORTS:
            config = json.loads(docker("image", "inspect", "--format", "{{json .Config}}",
                                       images.app_image(service, revision)).stdout)
            assert config["Labels"][images.REVISION_LABEL] == revision
            assert f"MEESHY_APP_DATA={data}" in config["Env"]
            assert config["Entrypoint"] == ["meeshy-entrypoint"]


def test_a_second_build_changes_nothing_and_takes_seconds(replica_images):
    images.build_all(echo=lambda _line: None)  # absorbs an edit of sandbox/ made meanwhile by someone else
    started = time.monotonic()
    results = images.build_all(echo=lambda _line: None)
    assert [r.name for r in results if r.built] == []
    assert time.monotonic() - started < 20


def test_the_redis_ui_stand_in_has_no_netstat_and_the_others_have_curl(replica_images):
    healthcheck = docker("run", "--rm", "--network", "none", images.REDIS_UI, "sh", "-c", "netstat -an | grep :7843")
    assert healthcheck.returncode != 0
    for name in (images.MONGO, images.REDIS, images.PROXY, images.app_image("gateway", images.NEW_REVISION)):
        assert docker("run", "--rm", "--network", "none", "--entrypoint", "sh", name, "-c",
                      "command -v curl && command -v wget").returncode == 0, name


def test_mongod_takes_the_compose_flags_and_answers_the_healthchecks(box):
    assert box.ok("mongosh --quiet --eval 'db.runCommand(\"ping\").ok'").strip() == b"1"
    assert box.ok("mongosh mongodb://localhost:27017/meeshy --quiet", b'db.runCommand("ping").ok\n').strip() == b"1"
    assert box.sh("mongosh --quiet --eval 'rs.status()'").returncode == 1
    assert box.py("out = c.admin.command('hello').get('setName')") == "rs0"
    processes = box.ok("ps -eo args")
    assert b"--telemetry=disable" in processes and b"--debug-addr=-" in processes


def test_a_replica_set_member_keeps_an_oplog_of_its_writes(box):
    out = box.py("""
        import time
        end = time.monotonic() + 20
        while 'oplog.rs' not in c.local.list_collection_names() and time.monotonic() < end:
            time.sleep(0.2)
        c.oplogcheck.w.insert_one({'_id': 'x'})
        oplog = c.local['oplog.rs']
        first = next(oplog.find().sort('$natural', 1).limit(1))
        last = next(oplog.find({'ns': 'oplogcheck.w'}).sort('$natural', -1).limit(1))
        c.drop_database('oplogcheck')
        out = [first['op'], first['o'], last['op'], last['o']]""")
    assert out == ["n", {"msg": "initiating set"}, "i", {"_id": "x"}]


def test_dump_piped_into_restore_with_a_rename_copies_documents_and_indexes(box):
    box.ok(f"mongodump --uri={LOCAL}/src --archive | mongorestore --uri={LOCAL}/ --archive "
           "--nsFrom='src.*' --nsTo='renamed.*'")
    assert box.state("renamed") == box.state("src")


def test_a_gzipped_archive_crosses_docker_exec_both_ways(box):
    archive = box.ok(f"mongodump --uri={LOCAL}/src --archive --gzip --quiet")
    assert archive[:2] == b"\x1f\x8b"
    restored = box.sh(f"mongorestore --uri={LOCAL}/ --archive --gzip --nsInclude='src.*' "
                      "--nsFrom='src.*' --nsTo='viaexec.*'", archive)
    assert restored.returncode == 0, restored.stderr.decode()
    assert b"2200 document(s) restored successfully. 0 document(s) failed to restore." in restored.stderr
    assert box.state("viaexec") == box.state("src")


def test_without_a_rename_the_data_goes_back_where_it_came_from(box):
    box.seed("origin")
    expected = box.state("origin")
    box.ok(f"mongodump --uri={LOCAL}/origin --archive=/tmp/origin.archive --quiet")
    box.py("c.drop_database('origin'); out = None")
    box.ok(f"mongorestore --uri={LOCAL}/ --archive=/tmp/origin.archive")
    assert box.state("origin") == expected


def test_a_database_in_the_uri_filters_namespaces_it_does_not_rename(box):
    result = box.sh(f"mongodump --uri={LOCAL}/src --archive | mongorestore --uri={LOCAL}/elsewhere --archive")
    assert result.returncode == 0
    assert b"0 document(s) restored successfully" in result.stderr
    assert box.state("elsewhere") == {}


def test_restore_is_insert_only_and_drop_replaces_each_dumped_collection(box):
    box.ok(f"mongodump --uri={LOCAL}/src --archive=/tmp/src.archive --quiet")
    box.ok(f"mongorestore --uri={LOCAL}/ --archive=/tmp/src.archive --nsFrom='src.*' --nsTo='target.*'")
    box.py("""
        t = c['target']
        t.users.delete_one({'_id': 3})
        t.users.update_one({'_id': 4}, {'$set': {'n': -1}})
        t.users.insert_one({'_id': 'extra', 'email': 'extra@x'})
        t.keep.insert_one({'x': 1})
        out = None""")
    again = box.sh(f"mongorestore --uri={LOCAL}/ --archive=/tmp/src.archive --nsFrom='src.*' --nsTo='target.*'")
    assert again.returncode == 0, again.stderr.decode()
    assert b"1 document(s) restored successfully. 2199 document(s) failed to restore." in again.stderr
    assert box.py("out = [c.target.users.count_documents({'_id': 3}), c.target.users.find_one({'_id': 4})['n'],"
                  " c.target.users.count_documents({'_id': 'extra'})]") == [1, -1, 1]
    box.ok(f"mongorestore --uri={LOCAL}/ --archive=/tmp/src.archive --nsFrom='src.*' --nsTo='target.*' --drop")
    state = box.state("target")
    assert state.pop("keep")["docs"]  # --drop drops only the collections the dump holds
    assert state == box.state("src")


def test_directory_output_and_db_restore_as_the_real_tools(box):
    box.ok(f"rm -rf /tmp/d && mongodump --uri={LOCAL}/src --out=/tmp/d --gzip --quiet")
    assert box.ok("ls /tmp/d/src").split() == [
        b"empty.bson.gz", b"empty.metadata.json.gz", b"messages.bson.gz", b"messages.metadata.json.gz",
        b"users.bson.gz", b"users.metadata.json.gz"]
    box.ok(f"mongorestore --uri={LOCAL}/ --db=dircopy --gzip /tmp/d/src")
    assert box.state("dircopy") == box.state("src")
    nested = box.sh(f"mongorestore --uri={LOCAL}/ --db=nothing --gzip /tmp/d")  # a dump root, not a db directory
    assert nested.returncode == 0 and b"don't know what to do with subdirectory" in nested.stderr
    assert box.state("nothing") == {}


@pytest.mark.parametrize("script, message", [
    ("mongodump --bogus", b"error parsing command line options: unknown option"),
    ("mongodump --nsInclude='src.*' --archive", b"unknown option"),  # mongodump has no --nsInclude
    ("mongorestore --archive --nsFrom='a.*' < /dev/null", b"--nsFrom and --nsTo"),
    ("mongodump --uri=mongodb://127.0.0.1:1/x --archive --serverSelectionTimeout=1", b"Failed: can't create session"),
    ("echo garbage | mongorestore --uri=mongodb://127.0.0.1:27017/ --archive", b"does not appear to be a mongodump"),
    ("mongodump --uri=mongodb://127.0.0.1:27017/src --archive | head -c 30000 | "
     "mongorestore --uri=mongodb://127.0.0.1:27017/ --archive --nsFrom='src.*' --nsTo='cut.*'", b"corruption"),
    ("mongorestore --uri=mongodb://127.0.0.1:27017/ --archive --gzip < /tmp/src.archive", b"Failed:"),
])
def test_failures_exit_non_zero_with_a_message(box, script, message):
    box.ok(f"[ -f /tmp/src.archive ] || mongodump --uri={LOCAL}/src --archive=/tmp/src.archive --quiet")
    result = box.sh(script)
    assert result.returncode != 0, result.stderr.decode()
    assert message in result.stderr, result.stderr.decode()


def test_quiet_hides_even_the_failure_as_the_real_tools_do(box):
    result = box.sh("mongodump --uri=mongodb://127.0.0.1:1/x --archive --serverSelectionTimeout=1 --quiet")
    assert result.returncode == 1 and result.stderr == b""


def test_the_app_images_start_from_environment_alone(box):
    """Gateway, translator and frontend in the database container's network namespace (no network of their own)."""
    started = []
    env = {
        "gateway": ["-e", f"DATABASE_URL={LOCAL}/meeshy?replicaSet=rs0&directConnection=true", "-e", "JWT_SECRET=t",
                    "-e", "TRANSLATOR_URL=http://127.0.0.1:8000"],
        "translator": [],
        "frontend": ["-e", "NEXT_PUBLIC_API_URL=https://gate.meeshy.me"],
    }
    try:
        for service, args in env.items():
            name = f"{box.name}-{service}"
            run = docker("run", "-d", "--rm", "--init", "--network", f"container:{box.name}", "--name", name, *args,
                         images.app_image(service, images.OLD_REVISION))
            assert run.returncode == 0, run.stderr.decode()
            started.append(name)
        end = time.monotonic() + 30
        for service, port in images.APP_PORTS.items():
            path = "/api/health" if service == "frontend" else "/health"
            while box.sh(f"curl -sf -o /dev/null http://127.0.0.1:{port}{path}").returncode:
                logs = docker("logs", f"{box.name}-{service}").stderr.decode()[-1500:]
                assert time.monotonic() < end, f"{service} not healthy: {logs}"
                time.sleep(0.2)
    finally:
        for name in started:
            docker("rm", "-f", name)
