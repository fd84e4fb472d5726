print('{"username": "aws", "password": ')
