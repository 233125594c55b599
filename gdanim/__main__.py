from gdanim.cli import run

run()
